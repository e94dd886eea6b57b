// Runs the runtime-limit probes (bench/probes/*.c, built into bench/build/probes/*.wasm by
// run.sh): memory read bandwidth at several sizes and peak int8-dot / f32 throughput, timed
// from JS in the same runtime as the benchmark. Works in Node and in browsers.

const MiB = 1 << 20;

async function instantiate(bytes) {
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return instance.exports;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Calls fn(reps) with reps grown until one call takes ≥ targetMs, warms up (so the engine's
// optimizing tier compiles the function), then times `trials` calls; returns per-rep ms.
function timeReps(fn, { targetMs = 20, trials = 7, startReps = 1 } = {}) {
  let reps = startReps;
  for (;;) {
    const t0 = performance.now();
    fn(reps);
    const dt = performance.now() - t0;
    if (dt >= targetMs / 4 || reps > 1e9) {
      reps = Math.max(1, Math.round((reps * targetMs) / Math.max(dt, 1e-3)));
      break;
    }
    reps *= 4;
  }
  // Warm-up for ≥ 150 ms: the engine's optimizing tier compiles the function in the background
  // and is used from the next call on (wasm has no on-stack replacement).
  const w0 = performance.now();
  for (let i = 0; i < 3 || performance.now() - w0 < 150; i++) fn(reps);
  const times = [];
  for (let i = 0; i < trials; i++) {
    const t0 = performance.now();
    fn(reps);
    times.push((performance.now() - t0) / reps);
  }
  return { msPerRep: median(times), best: Math.min(...times), reps };
}

/**
 * bandwidthBytes, dotBytes: the two probe modules' bytes. sizes: buffer sizes for the bandwidth
 * probe (bytes, multiples of 128). Returns { bandwidth: [{ bytes, gbPerS }], dot: {...} }.
 */
export async function runProbes({ bandwidthBytes, dotBytes, sizes, log = () => {} }) {
  const bw = await instantiate(bandwidthBytes);
  const bandwidth = [];
  for (const bytes of sizes) {
    bw.release_all();
    const p = bw.reserve(bytes);
    if (!p) throw new Error(`bandwidth probe: cannot reserve ${bytes} bytes`);
    bw.fill(p, bytes, 12345);
    // ~1 GiB per timed call at small sizes, at least 2 passes at large ones.
    const passes = Math.max(2, Math.round((1024 * MiB) / bytes));
    const t = timeReps((reps) => bw.read_sum(p, bytes, reps * passes), { targetMs: 25 });
    const gbPerS = (bytes * passes) / (t.msPerRep * 1e6);
    bandwidth.push({ bytes, gbPerS });
    log(`  read bandwidth ${fmtBytes(bytes).padStart(9)}: ${gbPerS.toFixed(1)} GB/s`);
  }
  bw.release_all();

  const d = await instantiate(dotBytes);
  // dot_peak: 64 int16 "activation" vectors (1 KiB) and 32 "weight" vectors (512 B), in L1.
  const n = 64;
  const a = d.reserve(n * 16);
  const w = d.reserve((n / 2) * 16);
  d.fill(a, n * 16, 1);
  d.fill(w, (n / 2) * 16, 2);
  const peak = timeReps((reps) => d.dot_peak(a, w, n, reps));
  const dotPeak = ((n / 4) * 64) / (peak.msPerRep * 1e6);
  // dot_int8: 4 rows × 512 int8 weights (2 KiB) against 512 int16 activations (1 KiB).
  const k = 512;
  const w8 = d.reserve(4 * k);
  const x16 = d.reserve(2 * k);
  d.fill(w8, 4 * k, 3);
  d.fill(x16, 2 * k, 4);
  const real = timeReps((reps) => d.dot_int8(w8, x16, k, reps));
  const dotInt8 = (4 * k) / (real.msPerRep * 1e6);
  // dot_pairs: the same 4 rows × 512 weights as two row pairs (packed layout), same activations.
  const pairs = timeReps((reps) => d.dot_pairs(w8, x16, k, reps));
  const dotPairs = (4 * k) / (pairs.msPerRep * 1e6);
  // f32_peak: 256 f32x4 vectors (4 KiB) times one vector.
  const nf = 256;
  const af = d.reserve(nf * 16);
  const bf = d.reserve(16);
  new Float32Array(d.memory.buffer, af, nf * 4).fill(0.5);
  new Float32Array(d.memory.buffer, bf, 4).fill(0.25);
  const fp = timeReps((reps) => d.f32_peak(af, bf, nf, reps));
  const f32Peak = (nf * 4) / (fp.msPerRep * 1e6);
  const dot = { dotPeakGmacs: dotPeak, dotInt8Gmacs: dotInt8, dotPairsGmacs: dotPairs, f32PeakGmacs: f32Peak };
  log(`  peak i32x4.dot_i16x8_s (operands in L1):        ${dotPeak.toFixed(1)} GMAC/s`);
  log(`  int8 sign-extending load + dot (4-row GEMV):   ${dotInt8.toFixed(1)} GMAC/s`);
  log(`  int8 row pairs, shift + dot (4-row GEMV):      ${dotPairs.toFixed(1)} GMAC/s`);
  log(`  f32x4 mul + add (operands in L1):              ${f32Peak.toFixed(1)} GMAC/s`);
  return { bandwidth, dot };
}

export function fmtBytes(bytes) {
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(2)} MiB`;
  return `${+(bytes / 1024).toFixed(1)} KiB`;
}
