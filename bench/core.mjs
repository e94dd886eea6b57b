// The benchmark itself, the same code in Node and in Chromium: builds every contestant for a
// workload, checks its output against the float64 reference, then times the contestants
// round-robin and reports medians, ratios, GMAC/s, the probes' limits and qlinear's heap.
//
// The runtime-specific entry points (node.mjs, and the page chromium.mjs serves) pass in the
// libraries and the bytes of the ONNX models and probes.
import { WORKLOADS, makeLayers, liveInput, macsOf, compare, withinTolerance, rng } from './workloads.mjs';
import { runProbes, fmtBytes } from './probes.mjs';

export const CONTESTANTS = [
  { key: 'qlinearW8A8', label: 'qlinear W8A8', precision: 'int8' },
  { key: 'qlinearW8A8Out', label: 'qlinear W8A8, output reused', precision: 'int8' },
  { key: 'qlinearW8A32', label: 'qlinear W8A32', precision: 'int8' },
  { key: 'ortFp32', label: 'ORT Web fp32', precision: 'fp32' },
  { key: 'ortInt8', label: 'ORT Web int8', precision: 'int8' },
  { key: 'tfjsFp32', label: 'TF.js wasm fp32', precision: 'fp32', singleThreaded: true },
  { key: 'plainJs', label: 'plain JS fp32', precision: 'fp32', singleThreaded: true },
  { key: 'tutorial', label: 'tutorial (dequant + JS)', precision: 'int8', singleThreaded: true },
];

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const now = () => performance.now();

// ---- plain JS contestants -----------------------------------------------------------------------

function linearJs(x, batch, weight, bias, inF, outF, relu) {
  const y = new Float32Array(batch * outF);
  for (let n = 0; n < batch; n++) {
    const xo = n * inF;
    for (let o = 0; o < outF; o++) {
      const wo = o * inF;
      let s = 0;
      for (let i = 0; i < inF; i++) s += x[xo + i] * weight[wo + i];
      s += bias[o];
      y[n * outF + o] = relu && s < 0 ? 0 : s;
    }
  }
  return y;
}

function plainJs(layers) {
  return {
    run(x, batch) {
      let h = x;
      for (const l of layers) h = linearJs(h, batch, l.weight, l.bias, l.inFeatures, l.outFeatures, l.activation === 'relu');
      return h;
    },
    dispose() {},
  };
}

// The tutorial's W8A16 layer in JS: int8 weights and per-channel scales stored; every call
// dequantizes them into a fresh fp32 matrix, then runs the fp32 matmul.
function tutorial(layers, ql) {
  const stored = layers.map((l) => {
    const shape = [l.outFeatures, l.inFeatures];
    const qparams = ql.getSymmetricQParams(l.weight, { shape, perChannel: true, axis: 0, dtype: 'qint8' });
    return { ...l, q: ql.quantizeTensor(l.weight, qparams, { shape }), scale: qparams.scale };
  });
  return {
    run(x, batch) {
      let h = x;
      for (const l of stored) {
        const w = new Float32Array(l.q.length);
        for (let o = 0; o < l.outFeatures; o++) {
          const s = l.scale[o];
          const base = o * l.inFeatures;
          for (let i = 0; i < l.inFeatures; i++) w[base + i] = l.q[base + i] * s;
        }
        h = linearJs(h, batch, w, l.bias, l.inFeatures, l.outFeatures, l.activation === 'relu');
      }
      return h;
    },
    dispose() {},
  };
}

// ---- library contestants -------------------------------------------------------------------------

// qlinear through its public API; also measures the heap the quantized model holds once the
// fp32 model it came from is disposed. `reuseOutput`: forward(x, batch, { out }) into one array
// kept across calls, where the others get a new output array a call as the peers' APIs do (a new
// array of megabytes costs milliseconds to touch, serial whatever the thread count).
function qlinear(layers, ql, mode, { reuseOutput = false } = {}) {
  const before = ql.memory().inUse;
  const fp32 = new ql.Model(layers.map((l) => ({
    name: l.name, inFeatures: l.inFeatures, outFeatures: l.outFeatures, weight: l.weight, bias: l.bias, activation: l.activation,
  })));
  const model = fp32.quantize({ symmetric: true, perChannel: true, mode });
  fp32.dispose();
  const heap = ql.memory().inUse - before;
  let reportedBytes = null;
  try {
    reportedBytes = model.report().bytes;
  } catch {
    // report() is informational here
  }
  let out = null;
  const outFor = (batch) => {
    const length = batch * layers[layers.length - 1].outFeatures;
    if (out?.length !== length) out = new Float32Array(length);
    return out;
  };
  return {
    run: reuseOutput ? (x, batch) => model.forward(x, batch, { out: outFor(batch) }) : (x, batch) => model.forward(x, batch),
    dispose: () => model.dispose(),
    memory: { heapInUse: heap, reportedBytes },
  };
}

async function ortSession(ort, bytes, inFeatures) {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  return {
    async: true,
    async run(x, batch) {
      const result = await session.run({ input: new ort.Tensor('float32', x, [batch, inFeatures]) });
      return result.output.data;
    },
    dispose: () => session.release(),
  };
}

function tfjs(tf, layers) {
  // Dense layers as TF.js's layers API runs them: kernel [in, out], fused matMul + bias + ReLU.
  const params = layers.map((l) => {
    const kt = new Float32Array(l.weight.length);
    for (let o = 0; o < l.outFeatures; o++) {
      for (let i = 0; i < l.inFeatures; i++) kt[i * l.outFeatures + o] = l.weight[o * l.inFeatures + i];
    }
    return { kernel: tf.tensor2d(kt, [l.inFeatures, l.outFeatures]), bias: tf.tensor1d(l.bias), relu: l.activation === 'relu' };
  });
  const inF = layers[0].inFeatures;
  return {
    run(x, batch) {
      return tf.tidy(() => {
        let h = tf.tensor2d(x, [batch, inF]);
        for (const p of params) h = tf.fused.matMul({ a: h, b: p.kernel, bias: p.bias, activation: p.relu ? 'relu' : 'linear' });
        return h.dataSync();
      });
    },
    dispose() {
      for (const p of params) {
        p.kernel.dispose();
        p.bias.dispose();
      }
    },
  };
}

// ---- timing ----------------------------------------------------------------------------------------

async function callOnce(c, x, batch) {
  return c.async ? await c.run(x, batch) : c.run(x, batch);
}

async function sample(c, x, batch, reps) {
  let out;
  const t0 = now();
  if (c.async) for (let r = 0; r < reps; r++) out = await c.run(x, batch);
  else for (let r = 0; r < reps; r++) out = c.run(x, batch);
  const ms = (now() - t0) / reps;
  return { ms, out };
}

// Warm-up: calls for ~warmMs (JIT tiers, first-run allocations; one call when a call takes
// over a second), then a calibration run of ≥ sampleMs that gives the time per call. Returns
// the last output (the one checked) and that time.
async function warmUp(c, x, batch, warmMs, sampleMs) {
  const t0 = now();
  let out;
  let last;
  do {
    const t = now();
    out = await callOnce(c, x, batch);
    last = now() - t;
  } while (last < 1000 && now() - t0 < warmMs);
  const t1 = now();
  let calls = 0;
  do {
    out = await callOnce(c, x, batch);
    calls++;
  } while (now() - t1 < sampleMs);
  return { out, perCallMs: (now() - t1) / calls };
}

// Every contestant for one workload; a failure to build is reported, not fatal.
async function buildAll(env, w, layers) {
  const { ql, ort, tf } = env;
  const built = {};
  for (const c of CONTESTANTS) {
    // A run on more threads times only the contestants that use them: the others would time the
    // same as in the 1-thread run, and their garbage (megabytes a call in plain JS) keeps the
    // engine's helper threads busy on the cores the threaded ones need.
    if (c.singleThreaded && (env.info.threads ?? 1) > 1) {
      built[c.key] = { skipped: 'single-threaded: see the 1-thread run' };
      continue;
    }
    try {
      switch (c.key) {
        case 'qlinearW8A8': built[c.key] = qlinear(layers, ql, 'dynamic'); break;
        case 'qlinearW8A8Out': built[c.key] = qlinear(layers, ql, 'dynamic', { reuseOutput: true }); break;
        case 'qlinearW8A32': built[c.key] = qlinear(layers, ql, 'weight-only'); break;
        case 'ortFp32': built[c.key] = await ortSession(ort, await env.onnx(w.id, 'fp32'), w.widths[0]); break;
        case 'ortInt8': built[c.key] = await ortSession(ort, await env.onnx(w.id, 'int8'), w.widths[0]); break;
        case 'tfjsFp32': built[c.key] = tfjs(tf, layers); break;
        case 'plainJs': built[c.key] = plainJs(layers); break;
        case 'tutorial': built[c.key] = tutorial(layers, ql); break;
        default: throw new Error(c.key);
      }
    } catch (e) {
      built[c.key] = { error: `failed to build: ${e.message}` };
    }
  }
  return built;
}

function disposeAll(built) {
  for (const b of Object.values(built)) {
    try {
      b.dispose?.();
    } catch {
      // already gone
    }
  }
}

// ---- the run ------------------------------------------------------------------------------------

/**
 * env: { runtime: 'node'|'chromium', ql (qlinear module, init done), ort, tf,
 *        onnx(workloadId, 'fp32'|'int8') → Promise<Uint8Array>, probeBytes: { bandwidth, dot },
 *        log, info (machine/version facts), options: { rounds, budgetMs, sampleMs, warmMs, only } }
 */
export async function runBenchmark(env) {
  const { log } = env;
  const opt = { rounds: 25, budgetMs: 3000, sampleMs: 10, warmMs: 500, jsWarmMs: 1000, ...env.options };
  const results = {
    runtime: env.runtime,
    date: new Date().toISOString(),
    info: env.info,
    options: opt,
    probes: null,
    cases: [],
    memory: [],
  };
  log(`# qlinear benchmark — ${env.runtime}`);
  for (const [k, v] of Object.entries(env.info)) log(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);

  const workloads = WORKLOADS.filter((w) => !opt.only || opt.only.includes(w.id));
  const weightBytes = (w) => macsOf(w, 1); // int8: one byte per weight
  log('\n## Limits of this runtime (wasm probes)');
  const sizes = [...new Set([256 * 1024, 1 << 20, 4 << 20, 16 << 20, 64 << 20, ...workloads.flatMap((w) => [1, 4].map((n) => Math.ceil((n * weightBytes(w)) / 128) * 128))])];
  results.probes = await runProbes({ bandwidthBytes: env.probeBytes.bandwidth, dotBytes: env.probeBytes.dot, sizes, log });
  const bwAt = (bytes) => results.probes.bandwidth.find((b) => b.bytes === Math.ceil(bytes / 128) * 128).gbPerS;

  // The JS side of every library (wrappers, TF.js's engine, ORT's session code) is shared by all
  // workloads: warm it once on the smallest workload so the first workloads do not pay for it.
  {
    const w4 = WORKLOADS.find((w) => w.id === 'W4');
    const built = await buildAll(env, w4, makeLayers(w4));
    const x = liveInput(w4, makeLayers(w4), 1).x;
    for (const b of Object.values(built)) if (!b.error && !b.skipped) await warmUp(b, x, 1, opt.jsWarmMs, 1).catch(() => {});
    disposeAll(built);
  }

  for (const w of workloads) {
    const layers = makeLayers(w);
    const weights = weightBytes(w);
    const extras = layers.reduce((a, l) => a + 12 * l.outFeatures, 0); // fp32 scale + int32 zero point + fp32 bias per channel
    const built = await buildAll(env, w, layers);
    const mem = {
      workload: w.id,
      int8WeightBytes: weights,
      scalesZeroPointsBiasBytes: extras,
      expectedBytes: weights + extras,
      heapW8A8: built.qlinearW8A8.memory?.heapInUse ?? null,
      heapW8A32: built.qlinearW8A32.memory?.heapInUse ?? null,
      reportedBytes: built.qlinearW8A8.memory?.reportedBytes ?? null,
    };
    results.memory.push(mem);

    for (const batch of w.batches) {
      const macs = macsOf(w, batch);
      const { x, ref, variant } = liveInput(w, layers, batch);
      log(`\n## ${w.id} (${w.title}), batch ${batch}: ${(macs / 1e6).toFixed(2)} MMAC per forward` +
        `${variant ? ` (input variant ${variant}: the first whose signal reaches the output)` : ''}`);
      const cs = {};
      const live = [];
      for (const c of CONTESTANTS) {
        const b = built[c.key];
        const entry = { label: c.label, precision: c.precision };
        cs[c.key] = entry;
        if (b.skipped) {
          entry.status = 'skipped';
          log(`  ${c.label.padEnd(24)} skipped (${b.skipped})`);
          continue;
        }
        if (b.error) {
          entry.status = 'error';
          entry.error = b.error;
          log(`  ${c.label.padEnd(24)} ERROR ${b.error}`);
          continue;
        }
        try {
          const { out, perCallMs } = await warmUp(b, x, batch, opt.warmMs, opt.sampleMs);
          const check = withinTolerance(compare(out, ref), c.precision);
          entry.check = check;
          const checkText = check.why ?? `error/RMS(ref): rms ${check.relRms.toExponential(1)}, max ${check.relMax.toExponential(1)}`;
          if (!check.ok) {
            entry.status = 'wrong';
            log(`  ${c.label.padEnd(24)} WRONG (${checkText}; tolerance ${c.precision === 'fp32' ? 'max 1e-4' : 'rms 5%, max 25%'})`);
            continue;
          }
          entry.status = 'ok';
          const reps = Math.max(1, Math.ceil(opt.sampleMs / Math.max(perCallMs, 1e-4)));
          const sampleEst = reps * perCallMs;
          const rounds = Math.min(opt.rounds, Math.max(3, Math.floor(opt.budgetMs / Math.max(sampleEst, 1e-3))));
          Object.assign(entry, { reps, rounds, samples: [] });
          live.push({ key: c.key, b, entry });
          log(`  ${c.label.padEnd(24)} check ok (${checkText}); ${rounds} samples × ${reps} call${reps > 1 ? 's' : ''}`);
        } catch (e) {
          entry.status = 'error';
          entry.error = e.message;
          log(`  ${c.label.padEnd(24)} ERROR ${e.message}`);
        }
      }
      // Round-robin: every round gives each contestant one sample (contestants with fewer
      // rounds are spread over the run), in an order shuffled anew each round (seeded): what a
      // contestant leaves behind (garbage the engine's helper threads collect while the next one
      // runs, which on 2 cores takes CPU from a threaded contestant) falls on each in turn, not
      // always on the one after it.
      const shuffle = rng(0x5eed + batch);
      for (let r = 0; r < opt.rounds; r++) {
        const order = live.map((_, j) => j);
        for (let j = order.length - 1; j > 0; j--) {
          const k = Math.floor(shuffle() * (j + 1));
          [order[j], order[k]] = [order[k], order[j]];
        }
        for (const j of order) {
          const { b, entry } = live[j];
          const step = opt.rounds / entry.rounds;
          if (entry.samples.length >= entry.rounds || r < Math.round(entry.samples.length * step)) continue;
          const { ms } = await sample(b, x, batch, entry.reps);
          entry.samples.push(ms);
        }
      }
      for (const { entry } of live) entry.medianMs = median(entry.samples);
      const ms = (k) => (cs[k].status === 'ok' ? cs[k].medianMs : null);
      const ratio = (a, b) => (ms(a) && ms(b) ? ms(a) / ms(b) : null);
      const kase = {
        workload: w.id,
        batch,
        macs,
        contestants: cs,
        ratios: {
          ortFp32_over_W8A8: ratio('ortFp32', 'qlinearW8A8'),
          ortInt8_over_W8A8: ratio('ortInt8', 'qlinearW8A8'),
          tfjs_over_W8A8: ratio('tfjsFp32', 'qlinearW8A8'),
          ortFp32_over_W8A32: ratio('ortFp32', 'qlinearW8A32'),
          plainJs_over_W8A8: ratio('plainJs', 'qlinearW8A8'),
        },
        gmacs: {
          W8A8: ms('qlinearW8A8') ? macs / (ms('qlinearW8A8') * 1e6) : null,
          W8A32: ms('qlinearW8A32') ? macs / (ms('qlinearW8A32') * 1e6) : null,
          ortInt8: ms('ortInt8') ? macs / (ms('ortInt8') * 1e6) : null,
        },
      };
      if (batch === 1) {
        const bw = bwAt(weights);
        const boundMs = weights / (bw * 1e6);
        kase.bandwidth = {
          weightBytes: weights,
          gbPerS: bw,
          boundMs,
          fractionW8A8: ms('qlinearW8A8') ? boundMs / ms('qlinearW8A8') : null,
          fractionW8A32: ms('qlinearW8A32') ? boundMs / ms('qlinearW8A32') : null,
          // ORT fp32 streams 4 bytes per weight.
          boundFp32Ms: (4 * weights) / (bwAt(4 * weights) * 1e6),
          fractionOrtFp32: ms('ortFp32') ? (4 * weights) / (bwAt(4 * weights) * 1e6) / ms('ortFp32') : null,
        };
      } else {
        kase.peakFractionW8A8 = kase.gmacs.W8A8 ? kase.gmacs.W8A8 / results.probes.dot.dotPeakGmacs : null;
      }
      results.cases.push(kase);
      for (const c of CONTESTANTS) {
        const e = cs[c.key];
        if (e.status === 'ok') log(`  ${c.label.padEnd(24)} ${fmtMs(e.medianMs).padStart(9)} ms  (median of ${e.samples.length}; min ${fmtMs(Math.min(...e.samples))}, max ${fmtMs(Math.max(...e.samples))})`);
      }
      log(`  ratios: ORT fp32/W8A8 ${fx(kase.ratios.ortFp32_over_W8A8)}, ORT int8/W8A8 ${fx(kase.ratios.ortInt8_over_W8A8)}, ` +
        `TF.js/W8A8 ${fx(kase.ratios.tfjs_over_W8A8)}, ORT fp32/W8A32 ${fx(kase.ratios.ortFp32_over_W8A32)}; ` +
        `qlinear W8A8 ${fg(kase.gmacs.W8A8)} GMAC/s, W8A32 ${fg(kase.gmacs.W8A32)} GMAC/s`);
      if (kase.bandwidth) {
        const b = kase.bandwidth;
        log(`  bandwidth bound: ${fmtBytes(b.weightBytes)} int8 weights ÷ ${b.gbPerS.toFixed(1)} GB/s = ${fmtMs(b.boundMs)} ms; ` +
          `W8A8 at ${pct(b.fractionW8A8)}, W8A32 at ${pct(b.fractionW8A32)} of it; ` +
          `(ORT fp32: ${fmtBytes(4 * b.weightBytes)} fp32 weights, ${fmtMs(b.boundFp32Ms)} ms, at ${pct(b.fractionOrtFp32)})`);
      } else {
        log(`  W8A8 at ${pct(kase.peakFractionW8A8)} of the peak dot rate (${results.probes.dot.dotPeakGmacs.toFixed(1)} GMAC/s)`);
      }
    }
    log(`  memory: qlinear W8A8 heap in use ${mem.heapW8A8} B, W8A32 ${mem.heapW8A32} B; ` +
      `int8 weights ${weights} B + scales/zero points/bias ${extras} B = ${mem.expectedBytes} B → ` +
      `${(mem.heapW8A8 / mem.expectedBytes).toFixed(3)}× (W8A8), ${(mem.heapW8A32 / mem.expectedBytes).toFixed(3)}× (W8A32)`);
    disposeAll(built);
  }
  return results;
}

// ---- output -------------------------------------------------------------------------------------

function fmtMs(v) {
  if (v == null) return '–';
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  if (v >= 0.1) return v.toFixed(3);
  return v.toFixed(4);
}
const fx = (v) => (v == null || !Number.isFinite(v) ? '–' : `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}×`);
const fg = (v) => (v == null ? '–' : v.toFixed(2));
const pct = (v) => (v == null ? '–' : `${(v * 100).toFixed(0)}%`);

function cell(e) {
  if (e.status === 'ok') return fmtMs(e.medianMs);
  if (e.status === 'skipped') return '–';
  if (e.status === 'wrong') return 'WRONG';
  return 'error';
}

export function markdown(results) {
  const lines = [];
  const rt = results.runtime === 'node' ? 'Node' : 'Chromium';
  const threads = results.info.threads ?? 1;
  lines.push(`### ${rt}: median ms per forward (${threads > 1 ? `qlinear and ORT Web on ${threads} threads, TF.js on one` : 'single thread'})`, '');
  const i = results.info;
  lines.push(`${results.date}; ${i.chromium ? `Chromium ${i.chromium}` : `Node ${i.node}`}; ${i.cpu}, ${i.nproc} CPUs; load average before ${i.loadavg}` +
    `${i.loadavgAfter ? `, after ${i.loadavgAfter}` : ''}; qlinear ${i.qlinearWasm}.`, '');
  lines.push(`| workload | batch | ${CONTESTANTS.map((c) => c.label).join(' | ')} | ORT fp32 ÷ W8A8 | ORT int8 ÷ W8A8 | TF.js ÷ W8A8 | ORT fp32 ÷ W8A32 | W8A8 GMAC/s | W8A32 GMAC/s |`);
  lines.push(`|---|---:|${CONTESTANTS.map(() => '---:').join('|')}|---:|---:|---:|---:|---:|---:|`);
  for (const k of results.cases) {
    lines.push(`| ${k.workload} | ${k.batch} | ${CONTESTANTS.map((c) => cell(k.contestants[c.key])).join(' | ')} | ` +
      `${fx(k.ratios.ortFp32_over_W8A8)} | ${fx(k.ratios.ortInt8_over_W8A8)} | ${fx(k.ratios.tfjs_over_W8A8)} | ${fx(k.ratios.ortFp32_over_W8A32)} | ` +
      `${fg(k.gmacs.W8A8)} | ${fg(k.gmacs.W8A32)} |`);
  }
  lines.push('');
  const p = results.probes;
  lines.push(`Limits (wasm probes, same run): read bandwidth ${p.bandwidth.filter((b) => [256 * 1024, 1 << 20, 4 << 20, 16 << 20, 64 << 20].includes(b.bytes)).map((b) => `${fmtBytes(b.bytes)} ${b.gbPerS.toFixed(1)} GB/s`).join(', ')}; ` +
    `peak i32x4.dot_i16x8_s ${p.dot.dotPeakGmacs.toFixed(1)} GMAC/s, int8 load+dot loop ${p.dot.dotInt8Gmacs.toFixed(1)} GMAC/s, int8 row-pair loop ${p.dot.dotPairsGmacs.toFixed(1)} GMAC/s, f32x4 mul+add ${p.dot.f32PeakGmacs.toFixed(1)} GMAC/s.`, '');
  lines.push('| workload | batch | limit | qlinear W8A8 | qlinear W8A32 | ORT Web (fp32 graph at batch 1, int8 graph batched) |');
  lines.push('|---|---:|---|---:|---:|---:|');
  for (const k of results.cases) {
    if (k.bandwidth) {
      const b = k.bandwidth;
      lines.push(`| ${k.workload} | 1 | weights ÷ read bandwidth: int8 ${fmtBytes(b.weightBytes)} ÷ ${b.gbPerS.toFixed(1)} GB/s = ${fmtMs(b.boundMs)} ms (fp32: ${fmtMs(b.boundFp32Ms)} ms) | ` +
        `${pct(b.fractionW8A8)} of bound | ${pct(b.fractionW8A32)} of bound | ${pct(b.fractionOrtFp32)} of bound |`);
    } else {
      const ortPct = k.gmacs.ortInt8 && `${pct(k.gmacs.ortInt8 / p.dot.dotPeakGmacs)} (int8 graph)`;
      lines.push(`| ${k.workload} | ${k.batch} | peak i32x4.dot_i16x8_s ${p.dot.dotPeakGmacs.toFixed(1)} GMAC/s | ${pct(k.peakFractionW8A8)} of peak | ` +
        `${pct(k.gmacs.W8A32 && k.gmacs.W8A32 / p.dot.dotPeakGmacs)} of peak | ${ortPct ?? '–'} |`);
    }
  }
  lines.push('');
  lines.push('| workload | int8 weights + scales/zero points/bias | qlinear W8A8 heap in use | ratio | qlinear W8A32 heap in use | ratio |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const m of results.memory) {
    const r3 = (v) => (Number.isFinite(v) ? `${v.toFixed(3)}×` : '–');
    lines.push(`| ${m.workload} | ${m.expectedBytes} B | ${m.heapW8A8 ?? '–'} B | ${r3(m.heapW8A8 / m.expectedBytes)} | ${m.heapW8A32 ?? '–'} B | ${r3(m.heapW8A32 / m.expectedBytes)} |`);
  }
  return lines.join('\n');
}
