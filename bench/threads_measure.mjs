// The timing loop of bench/threads_alone.mjs, shared by its Node child processes and its Chromium
// Workers: every workload and batch, W8A8 (a new output and a reused one) and W8A32, each the
// median of SAMPLES samples of SAMPLE_MS ms, the contestants interleaved sample by sample.
import { WORKLOADS, makeLayers, macsOf } from './workloads.mjs';

export const SAMPLES = 15;
export const SAMPLE_MS = 40;

/** Times qlinear `ql` (initialised) on every workload: { threads, rows }. */
export function measureThreads(ql) {
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
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
      const x = new Float32Array(w.widths[0] * batch).map((_, i) => Math.sin(0.37 * i));
      const out = new Float32Array(w.widths.at(-1) * batch);
      const runs = {
        W8A8: () => models.W8A8.forward(x, batch),
        'W8A8, output reused': () => models.W8A8.forward(x, batch, { out }),
        W8A32: () => models.W8A32.forward(x, batch),
      };
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
      rows.push({ workload: w.id, batch, macs: macsOf(w, batch), ms: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) });
    }
    for (const m of Object.values(models)) m.dispose();
  }
  return { threads: ql.capabilities().threads.count, rows };
}
