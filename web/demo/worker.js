// The demo's worker: owns the qlinear models so loading, quantizing and evaluating never block
// the page. Requests are { id, type, ...args }; replies are { id, result } or { id, error },
// with { id, progress: { stage, fraction } } messages in between for long work.
import { init, loadModel, inspectSafetensors, normalizeInputs, memory, capabilities, optionTable } from '../package/qlinear.js';
import { DEMO_THREADS } from './threads.js';

let fileBytes = null; // the file last loaded, for loading it again with other settings
let fp32 = null; // the model as loaded
let heldOut = 0; // test images used for static calibration, left out of the evaluation
const CALIBRATION_ROWS = 256;
let int8 = null; // its quantized copy
let testSet = null; // { count, features, pixels: Float32Array, labels: Uint8Array }
let normalization = null; // { mean, std } the user confirmed, or null
let inputs = null; // the test images as the model takes them: testSet.pixels normalized

const ready = init({ threads: DEMO_THREADS });

function need(model, what) {
  if (!model) throw new Error(`no ${what} yet`);
  return model;
}

function replace(current, next) {
  current?.dispose();
  return next;
}

function softmax(logits) {
  const peak = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - peak));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function argmaxRows(y, rows, classes) {
  const out = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (y[r * classes + c] > y[r * classes + best]) best = c;
    out[r] = best;
  }
  return out;
}

// `rows` inputs for the model: test images (normalized) when it takes them, else a smooth
// synthetic pattern.
function probeInputs(rows) {
  const features = fp32.inFeatures;
  if (inputs && testSet.features === features && testSet.count >= rows) return inputs.subarray(0, rows * features);
  return Float32Array.from({ length: rows * features }, (_, i) => Math.sin(i * 12.9898) * 2);
}

const handlers = {
  load({ bytes, spec, activation }) {
    const model = loadModel(bytes, { ...(spec ? { spec } : {}), ...(activation ? { activation } : {}) });
    fileBytes = bytes;
    fp32 = replace(fp32, model);
    int8 = replace(int8, null);
    let recorded = null, normalizationError = null;
    try {
      const n = fp32.inputNormalization;
      recorded = n && { mean: Array.from(n.mean), std: Array.from(n.std), key: n.key };
    } catch (e) {
      normalizationError = e.message;
    }
    return {
      inspect: inspectSafetensors(bytes), report: fp32.report(), layout: fp32.layout, metadata: fp32.metadata,
      normalization: recorded, normalizationError,
    };
  },

  reload({ spec, activation }) {
    if (!fileBytes) throw new Error('no file loaded yet');
    return handlers.load({ bytes: fileBytes, spec, activation });
  },

  // The preprocessing to apply to the test images (and write into exports), or null for none.
  setNormalization({ mean, std }) {
    normalization = mean === null ? null : { mean, std };
    inputs = testSet?.pixels ?? null;
    if (normalization && testSet) inputs = normalizeInputs(testSet.pixels, normalization, testSet.features);
    return {};
  },

  setTestSet(set) {
    testSet = set;
    inputs = set.pixels;
    return { count: set.count };
  },

  quantize({ options, calibration, exclude }, progress) {
    progress('quantizing', 0);
    const started = performance.now();
    const model = need(fp32, 'model loaded');
    heldOut = 0;
    if (calibration) {
      // Static W8A8: prepare → calibrate → convert. The calibration images are the test set's
      // last 256, which evaluate() then leaves out; without the test set, smooth synthetic inputs.
      const rows = CALIBRATION_ROWS, features = model.inFeatures;
      const useTestSet = testSet && testSet.features === features && testSet.count > 2 * rows;
      const calibrationRows = useTestSet
        ? inputs.subarray((testSet.count - rows) * features, testSet.count * features)
        : Float32Array.from({ length: rows * features }, (_, i) => Math.sin(i * 12.9898) * 2);
      const prepared = model.prepare({ observer: calibration.observer });
      try {
        for (let r = 0; r < rows; r += 32) {
          prepared.forward(calibrationRows.subarray(r * features, (r + 32) * features), 32);
          progress('calibrating', (r + 32) / rows);
        }
        const { symmetric, perChannel } = options; // convert() takes the weight options; its layers are static
        int8 = replace(int8, prepared.convert({ symmetric, perChannel }, exclude));
      } finally {
        prepared.dispose();
      }
      heldOut = useTestSet ? rows : 0;
    } else {
      int8 = replace(int8, model.quantize(options, exclude));
    }
    const quantizeMs = performance.now() - started;
    progress('quantizing', 1);
    const probe = probeInputs(64);
    const report = int8.report({ reference: fp32, input: probe, batch: 64 });
    return { report, quantizeMs, savedBytes: int8.save().length, memory: memory() };
  },

  // Accuracy over the whole test set (less static mode's calibration images), in chunks so
  // progress can be shown.
  evaluate(_, progress) {
    need(int8, 'quantized model');
    const { features, labels } = testSet;
    const count = testSet.count - heldOut;
    const classes = fp32.outFeatures;
    const chunk = 500;
    const result = {};
    for (const [name, model] of [['fp32', fp32], ['int8', int8]]) {
      let correct = 0;
      for (let start = 0; start < count; start += chunk) {
        const rows = Math.min(chunk, count - start);
        const predicted = argmaxRows(model.forward(inputs.subarray(start * features, (start + rows) * features), rows), rows, classes);
        for (let r = 0; r < rows; r++) correct += predicted[r] === labels[start + r];
        progress(`evaluating ${name}`, (start + rows) / count);
      }
      result[name] = { accuracy: correct / count };
    }
    result.images = count;
    return result;
  },

  // Time per input of fp32 and of the int8 weights in every forward mode they can run, warm:
  // one untimed pass first, then the median of 5 timed ones, batched and one input at a time.
  timings(_, progress) {
    const model = need(int8, 'quantized model');
    const features = fp32.inFeatures, batch = 500, singles = 100;
    const x = probeInputs(batch);
    const median = (v) => v.sort((a, b) => a - b)[v.length >> 1];
    const time = (m) => {
      const run = () => {
        let t0 = performance.now();
        m.forward(x, batch);
        const batched = (performance.now() - t0) / batch;
        t0 = performance.now();
        for (let i = 0; i < singles; i++) m.forward(x.subarray(i * features, (i + 1) * features), 1);
        return [batched, (performance.now() - t0) / singles];
      };
      run();
      const runs = Array.from({ length: 5 }, run);
      return { msBatched: median(runs.map((r) => r[0])), msSingle: median(runs.map((r) => r[1])) };
    };
    const rows = [{ name: 'fp32', ...time(fp32) }];
    const layers = model.report().layers.filter((l) => l.kind === 'quant_linear');
    const original = layers.map((l) => l.mode);
    const modes = optionTable().enums.find((e) => e.type === 'ForwardMode').names;
    modes.forEach((mode, i) => {
      progress('timing', (i + 1) / (modes.length + 1));
      try {
        for (const l of layers) model.setForwardMode(l.name, mode);
      } catch (e) {
        rows.push({ name: `int8 ${mode}`, unavailable: e.message });
        return;
      }
      rows.push({ name: `int8 ${mode}`, ...time(model), current: original.every((m) => m === mode) });
    });
    layers.forEach((l, i) => model.setForwardMode(l.name, original[i]));
    return rows;
  },

  predict({ index }) {
    need(int8, 'quantized model');
    const { features } = testSet;
    const x = inputs.subarray(index * features, (index + 1) * features);
    const a = Array.from(fp32.forward(x, 1)), b = Array.from(int8.forward(x, 1));
    return { label: testSet.labels[index], fp32: softmax(a), int8: softmax(b), fp32Logits: a, int8Logits: b };
  },

  weightErrors({ layer }) {
    const w = need(fp32, 'model loaded').layerWeight(layer), q = need(int8, 'quantized model').layerWeight(layer);
    const errors = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) errors[i] = q[i] - w[i];
    return errors;
  },

  // The int8 model as a file, with the preprocessing the page used recorded in its metadata.
  exportInt8() {
    const model = need(int8, 'quantized model');
    if (normalization) model.setInputNormalization(normalization);
    else if (model.inputNormalization) {
      const { key } = model.inputNormalization;
      model.setMetadata(key, null);
      if (key === 'mean') model.setMetadata('std', null);
    }
    return model.save();
  },

  capabilities() {
    return capabilities();
  },

  optionTable() {
    return optionTable();
  },
};

self.onmessage = async ({ data }) => {
  const { id, type, ...args } = data;
  const progress = (stage, fraction) => self.postMessage({ id, progress: { stage, fraction } });
  try {
    await ready;
    const result = handlers[type](args, progress);
    const transfer = result instanceof Uint8Array || result instanceof Float32Array ? [result.buffer] : [];
    self.postMessage({ id, result }, transfer);
  } catch (e) {
    self.postMessage({ id, error: String(e?.message ?? e) });
  }
};
