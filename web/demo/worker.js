// The demo's worker: owns the qlinear models so loading, quantizing and evaluating never block
// the page. Requests are { id, type, ...args }; replies are { id, result } or { id, error },
// with { id, progress: { stage, fraction } } messages in between for long work.
import { init, loadModel, inspectSafetensors, memory, capabilities, optionTable } from '../package/qlinear.js';

let fp32 = null; // the model as loaded
let heldOut = 0; // test images used for static calibration, left out of the evaluation
const CALIBRATION_ROWS = 256;
let int8 = null; // its quantized copy
let testSet = null; // { count, features, pixels: Float32Array, labels: Uint8Array }

const ready = init();

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

const handlers = {
  load({ bytes, spec }) {
    const model = loadModel(bytes, spec ? { spec } : {});
    fp32 = replace(fp32, model);
    int8 = replace(int8, null);
    return { inspect: inspectSafetensors(bytes), report: fp32.report() };
  },

  setTestSet(set) {
    testSet = set;
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
      const inputs = useTestSet
        ? testSet.pixels.subarray((testSet.count - rows) * features, testSet.count * features)
        : Float32Array.from({ length: rows * features }, (_, i) => Math.sin(i * 12.9898) * 2);
      const prepared = model.prepare({ observer: calibration.observer });
      try {
        for (let r = 0; r < rows; r += 32) {
          prepared.forward(inputs.subarray(r * features, (r + 32) * features), 32);
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
    const probe = testSet && testSet.features === fp32.inFeatures
      ? testSet.pixels.subarray(0, 64 * testSet.features)
      : Float32Array.from({ length: 64 * fp32.inFeatures }, (_, i) => Math.sin(i * 12.9898) * 2);
    const report = int8.report({ reference: fp32, input: probe, batch: 64 });
    return { report, quantizeMs, savedBytes: int8.save().length, memory: memory() };
  },

  // Accuracy and time per image over the whole test set, in chunks so progress can be shown.
  evaluate(_, progress) {
    need(int8, 'quantized model');
    const { features, pixels, labels } = testSet;
    const count = testSet.count - heldOut; // static mode's calibration images are not evaluated
    const classes = fp32.outFeatures;
    const chunk = 500;
    const result = {};
    for (const [name, model] of [['fp32', fp32], ['int8', int8]]) {
      let correct = 0, ms = 0;
      for (let start = 0; start < count; start += chunk) {
        const rows = Math.min(chunk, count - start);
        const t0 = performance.now();
        const y = model.forward(pixels.subarray(start * features, (start + rows) * features), rows);
        ms += performance.now() - t0;
        const predicted = argmaxRows(y, rows, classes);
        for (let r = 0; r < rows; r++) correct += predicted[r] === labels[start + r];
        progress(`evaluating ${name}`, (start + rows) / count);
      }
      // One image at a time too: the latency a page calling forward() per input would see.
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) model.forward(pixels.subarray(i * features, (i + 1) * features), 1);
      result[name] = { accuracy: correct / count, msPerImageBatched: ms / count, msPerImageSingle: (performance.now() - t0) / 200 };
    }
    result.images = count;
    return result;
  },

  predict({ index }) {
    need(int8, 'quantized model');
    const { features } = testSet;
    const x = testSet.pixels.subarray(index * features, (index + 1) * features);
    const a = Array.from(fp32.forward(x, 1)), b = Array.from(int8.forward(x, 1));
    return { label: testSet.labels[index], fp32: softmax(a), int8: softmax(b), fp32Logits: a, int8Logits: b };
  },

  weightErrors({ layer }) {
    const w = need(fp32, 'model loaded').layerWeight(layer), q = need(int8, 'quantized model').layerWeight(layer);
    const errors = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) errors[i] = q[i] - w[i];
    return errors;
  },

  exportInt8() {
    return need(int8, 'quantized model').save();
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
