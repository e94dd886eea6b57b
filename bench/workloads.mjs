// The workloads of issue 8, their deterministic weights and inputs, and the float64 reference.
// Shared by the Node runner, the Chromium page and make_onnx_models.mjs, so every contestant
// (and every runtime) sees the same numbers.

/** Layer widths and the batches to run; ReLU after every layer but the last. */
export const WORKLOADS = [
  { id: 'W1', title: 'one 4096×4096 layer', widths: [4096, 4096], batches: [1] },
  { id: 'W2', title: '1024→4096→1024, ReLU', widths: [1024, 4096, 1024], batches: [1, 16, 128] },
  { id: 'W3', title: '784→1024→1024→10, ReLU', widths: [784, 1024, 1024, 10], batches: [1, 64] },
  { id: 'W4', title: "the tutorial's FourLayerModel 64→128→256→128→1→9", widths: [64, 128, 256, 128, 1, 9], batches: [1] },
];

// mulberry32: a small, fast, seeded 32-bit generator (the same stream in every JS engine).
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * nn.Linear's default init (kaiming_uniform(a=√5) gives U(-1/√in, 1/√in) for the weight, and the
 * bias is U(-1/√in, 1/√in)), from a stream seeded by the workload id.
 */
export function makeLayers(workload) {
  const next = rng(seedOf(`qlinear-bench/${workload.id}/weights`));
  const layers = [];
  for (let i = 0; i + 1 < workload.widths.length; i++) {
    const inFeatures = workload.widths[i];
    const outFeatures = workload.widths[i + 1];
    const bound = 1 / Math.sqrt(inFeatures);
    const weight = new Float32Array(inFeatures * outFeatures);
    for (let j = 0; j < weight.length; j++) weight[j] = (2 * next() - 1) * bound;
    const bias = new Float32Array(outFeatures);
    for (let j = 0; j < bias.length; j++) bias[j] = (2 * next() - 1) * bound;
    const last = i + 2 === workload.widths.length;
    layers.push({ name: `layer${i + 1}`, inFeatures, outFeatures, weight, bias, activation: last ? 'identity' : 'relu' });
  }
  return layers;
}

/**
 * torch.randn-like input [batch, in]: Box–Muller normals from a stream seeded by workload, batch
 * and variant (see liveInput).
 */
export function makeInput(workload, batch, variant = 0) {
  const next = rng(seedOf(`qlinear-bench/${workload.id}/input/${batch}/${variant}`));
  const x = new Float32Array(batch * workload.widths[0]);
  for (let i = 0; i < x.length; i += 2) {
    const u = 1 - next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    x[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < x.length) x[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return x;
}

export const macsOf = (workload, batch) => {
  let macs = 0;
  for (let i = 0; i + 1 < workload.widths.length; i++) macs += workload.widths[i] * workload.widths[i + 1];
  return macs * batch;
};

/**
 * The fp32 model computed in float64 (fp32 weights and input, every sum and product in double).
 * Returns the output and whether some row of some hidden layer is all zeros after its ReLU
 * (then the layers after it see no signal from the input, and a check would test only biases).
 */
export function reference(layers, input, batch) {
  let x = Float64Array.from(input);
  let dead = false;
  for (const [index, l] of layers.entries()) {
    const y = new Float64Array(batch * l.outFeatures);
    for (let b = 0; b < batch; b++) {
      const xb = b * l.inFeatures;
      for (let o = 0; o < l.outFeatures; o++) {
        const wo = o * l.inFeatures;
        let s = 0;
        for (let i = 0; i < l.inFeatures; i++) s += x[xb + i] * l.weight[wo + i];
        s += l.bias[o];
        y[b * l.outFeatures + o] = l.activation === 'relu' && s < 0 ? 0 : s;
      }
      if (index + 1 < layers.length && y.subarray(b * l.outFeatures, (b + 1) * l.outFeatures).every((v) => v === 0)) dead = true;
    }
    x = y;
  }
  return { y: x, dead };
}

/**
 * The input and its reference output: the first variant of the seeded input whose signal reaches
 * the output in every row. Only W4 needs this: its layer4 is a single ReLU unit, dead for about
 * half of all inputs (the tutorial's model squeezes everything through it).
 */
export function liveInput(workload, layers, batch) {
  for (let variant = 0; ; variant++) {
    const x = makeInput(workload, batch, variant);
    const { y, dead } = reference(layers, x, batch);
    if (!dead || variant === 50) return { x, ref: y, variant };
  }
}

/**
 * Errors of an output against the float64 reference, in units of the reference's RMS:
 * fp32 paths must stay within 1e-4 (max) of it, int8 paths within a few percent (RMS of the error).
 */
export function compare(out, ref) {
  if (!out || out.length !== ref.length) return { ok: false, why: `length ${out?.length} ≠ ${ref.length}` };
  let sumRef = 0;
  let sumErr = 0;
  let maxErr = 0;
  for (let i = 0; i < ref.length; i++) {
    const e = out[i] - ref[i];
    if (!Number.isFinite(out[i])) return { ok: false, why: `non-finite output at ${i}` };
    sumRef += ref[i] * ref[i];
    sumErr += e * e;
    maxErr = Math.max(maxErr, Math.abs(e));
  }
  const rms = Math.sqrt(sumRef / ref.length);
  return { rmsRef: rms, relRms: Math.sqrt(sumErr / ref.length) / rms, relMax: maxErr / rms };
}

/** Tolerances (see README): fp32 relMax ≤ 1e-4; int8 relRms ≤ 5% and relMax ≤ 25%. */
export function withinTolerance(cmp, precision) {
  if (cmp.ok === false) return cmp;
  const ok = precision === 'fp32' ? cmp.relMax <= 1e-4 : cmp.relRms <= 0.05 && cmp.relMax <= 0.25;
  return { ...cmp, ok };
}
