// The timing loops of bench/threads_alone.mjs, shared by its Node child processes and its Chromium
// Workers: every workload and batch, each contestant the median of SAMPLES samples of SAMPLE_MS ms,
// the contestants of one library interleaved sample by sample. qlinear: W8A8 (a new output and a
// reused one) and W8A32. ONNX Runtime Web: its int8 graph (quantize_dynamic's MatMulInteger) and
// its fp32 graph, the same ONNX files as the main benchmark's (bench/make_onnx_models.mjs).
import { WORKLOADS, makeLayers, macsOf } from './workloads.mjs';

export const SAMPLES = 15;
export const SAMPLE_MS = 40;

const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const inputOf = (w, batch) => new Float32Array(w.widths[0] * batch).map((_, i) => Math.sin(0.37 * i));

/** runs: { name: () => void }. Returns { name: median ms per call }. */
function sample(runs) {
  const samples = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
  for (const run of Object.values(runs)) for (let i = 0; i < 3; i++) run();  // warm
  for (let s = 0; s < SAMPLES; s++) {
    for (const [name, run] of Object.entries(runs)) {
      const t0 = performance.now();
      let calls = 0;
      do {
        run();
        calls++;
      } while (performance.now() - t0 < SAMPLE_MS);
      samples[name].push((performance.now() - t0) / calls);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

/** As sample(), for runs that return promises (awaited one call at a time, as an application would). */
async function sampleAsync(runs) {
  const samples = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
  for (const run of Object.values(runs)) for (let i = 0; i < 3; i++) await run();
  for (let s = 0; s < SAMPLES; s++) {
    for (const [name, run] of Object.entries(runs)) {
      const t0 = performance.now();
      let calls = 0;
      do {
        await run();
        calls++;
      } while (performance.now() - t0 < SAMPLE_MS);
      samples[name].push((performance.now() - t0) / calls);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

/** Times qlinear `ql` (initialised) on every workload: { threads, rows }. */
export function measureThreads(ql) {
  const rows = [];
  for (const w of WORKLOADS) {
    const layers = makeLayers(w);
    const fp32 = new ql.Model(layers.map((l) => ({
      name: l.name, inFeatures: l.inFeatures, outFeatures: l.outFeatures, weight: l.weight, bias: l.bias, activation: l.activation,
    })));
    const models = {
      W8A8: fp32.quantize({ symmetric: true, perChannel: true, mode: 'dynamic' }),
      W8A32: fp32.quantize({ symmetric: true, perChannel: true, mode: 'weight-only' }),
    };
    fp32.dispose();
    for (const batch of w.batches) {
      const x = inputOf(w, batch);
      const out = new Float32Array(w.widths.at(-1) * batch);
      const ms = sample({
        W8A8: () => models.W8A8.forward(x, batch),
        'W8A8, output reused': () => models.W8A8.forward(x, batch, { out }),
        W8A32: () => models.W8A32.forward(x, batch),
      });
      rows.push({ workload: w.id, batch, macs: macsOf(w, batch), ms });
    }
    for (const m of Object.values(models)) m.dispose();
  }
  return { threads: ql.capabilities().threads.count, rows };
}

/**
 * Times ONNX Runtime Web `ort` (its wasm EP, env.wasm.numThreads set by the caller) on every
 * workload. onnx(workloadId, 'fp32' | 'int8') → Promise<Uint8Array>. Returns { threads, rows }.
 */
export async function measureOrt(ort, onnx) {
  const rows = [];
  for (const w of WORKLOADS) {
    const sessions = {};
    for (const kind of ['int8', 'fp32'])
      sessions[`ORT ${kind}`] = await ort.InferenceSession.create(await onnx(w.id, kind), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    for (const batch of w.batches) {
      const x = inputOf(w, batch);
      const runs = Object.fromEntries(Object.entries(sessions).map(([name, session]) =>
        [name, () => session.run({ input: new ort.Tensor('float32', x, [batch, w.widths[0]]) })]));
      rows.push({ workload: w.id, batch, macs: macsOf(w, batch), ms: await sampleAsync(runs) });
    }
    for (const session of Object.values(sessions)) await session.release();
  }
  return { threads: ort.env.wasm.numThreads, rows };
}
