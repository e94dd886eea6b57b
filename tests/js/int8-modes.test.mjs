// Issue 7 through the public JS API (wasm): static W8A8 on the Fashion-MNIST sample model with
// 256 calibration images, LLM.int8() against plain dynamic W8A8 on inputs with outlier columns,
// the report, saving, and bad options. The figures printed here are the ones in the README.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { init, loadModel, Model, Linear, QuantLinear, prepare, convert, QlinearError } from '../../web/package/qlinear.js';
import { fashionMnistTestSet, fashionMnistTrainSet, accuracy } from './fashion-mnist.mjs';
import { mulberry32 } from './random.mjs';

await init();

const modelBytes = readFileSync(new URL('../../web/demo/models/fashion_mnist_mlp.safetensors', import.meta.url));
const testSet = fashionMnistTestSet();
const CALIBRATION_IMAGES = 256;

test('static W8A8 on the sample model: 256 training images calibrate it to within 1 point of fp32', (t) => {
  const train = fashionMnistTrainSet();
  const calibration = train.pixels.subarray(0, CALIBRATION_IMAGES * 784);
  const model = loadModel(modelBytes);
  const fp32 = accuracy(model.forward(testSet.pixels, testSet.count), testSet.labels, 10);
  const dynamicModel = model.quantize({ mode: 'dynamic' });
  const dynamic = accuracy(dynamicModel.forward(testSet.pixels, testSet.count), testSet.labels, 10);
  const lines = [`fp32 ${(fp32 * 100).toFixed(2)}%, dynamic W8A8 ${(dynamic * 100).toFixed(2)}%`];
  for (const observer of ['minmax', 'moving-average', 'percentile']) {
    const prepared = model.prepare({ observer });
    // Calibrate in batches of 32, as a data loader would feed it.
    for (let i = 0; i < CALIBRATION_IMAGES; i += 32) prepared.forward(calibration.subarray(i * 784, (i + 32) * 784), 32);
    assert.equal(prepared.calibrationRows, CALIBRATION_IMAGES);
    const staticModel = prepared.convert({ symmetric: true, perChannel: true });
    const report = staticModel.report();
    for (const layer of report.layers) {
      assert.equal(layer.mode, 'static');
      assert.equal(layer.inputQParams.dtype, 'quint8');
    }
    // The first layer's input is pixels in [0, 1]: MinMax gives exactly scale 1/255, zero point 0.
    if (observer === 'minmax') {
      assert.equal(report.layers[0].inputQParams.scale[0], Math.fround(1 / 255));
      assert.equal(report.layers[0].inputQParams.zeroPoint[0], 0);
    }
    const acc = accuracy(staticModel.forward(testSet.pixels, testSet.count), testSet.labels, 10);
    lines.push(`static W8A8 (${observer}, ${CALIBRATION_IMAGES} calibration images) ${(acc * 100).toFixed(2)}%`);
    assert.ok(Math.abs(acc - fp32) <= 0.01, `${observer}: ${acc} vs fp32 ${fp32}`);
    prepared.dispose();
    staticModel.dispose();
  }
  t.diagnostic(`Fashion-MNIST test accuracy (10,000 images): ${lines.join('; ')}`);
  model.dispose();
  dynamicModel.dispose();
});

// Seeded N(0, 1) inputs with a few large "emergent feature" columns, as LLM hidden states have.
function gaussian(random) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function outlierInputs(random, batch, features, outlierColumns, magnitude) {
  const x = new Float32Array(batch * features);
  for (let i = 0; i < x.length; i++) x[i] = gaussian(random);
  const columns = new Set();
  while (columns.size < outlierColumns) columns.add(Math.floor(random() * features));
  for (const c of columns)
    for (let b = 0; b < batch; b++) x[b * features + c] = Math.sign(gaussian(random)) * magnitude * (1 + random());
  return x;
}

function mse(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
}

test('LLM.int8(): outlier columns through fp32 cut the error of plain dynamic W8A8', (t) => {
  const random = mulberry32(2022);
  // One 1024 -> 1024 projection, as a transformer block's, fed its (normalised) hidden states.
  const [inF, outF, batch] = [1024, 1024, 16];
  const layer = (i, o) => {
    const bound = 1 / Math.sqrt(i);
    const weight = Float32Array.from({ length: i * o }, () => (2 * random() - 1) * bound);
    const bias = Float32Array.from({ length: o }, () => (2 * random() - 1) * bound);
    return { inFeatures: i, outFeatures: o, weight, bias };
  };
  const model = new Model([{ name: 'proj', ...layer(inF, outF) }]);
  const weights = { symmetric: true, perChannel: true, range: 'restricted' };
  const dynamic = model.quantize({ ...weights, mode: 'dynamic' });
  const llm = model.quantize({ ...weights, mode: 'llm-int8' });
  const weightOnly = model.quantize({ ...weights, mode: 'weight-only' });
  for (const [columns, magnitude] of [[0, 0], [6, 20], [6, 60], [24, 60]]) {
    const x = outlierInputs(random, batch, inF, columns, magnitude);
    const reference = model.forward(x, batch);
    const errors = [dynamic, llm, weightOnly].map((m) => mse(reference, m.forward(x, batch)));
    const found = llm.report().layers[0].lastOutlierColumns;
    t.diagnostic(`${columns} outlier columns of |x| ${magnitude}-${2 * magnitude}: MSE vs fp32: dynamic ${errors[0].toExponential(2)}, ` +
      `llm-int8 ${errors[1].toExponential(2)} (dynamic / llm-int8 = ${(errors[0] / errors[1]).toFixed(1)}; outlier columns found ${found}), ` +
      `weight-only ${errors[2].toExponential(2)}`);
    if (columns === 0) {
      assert.equal(found, 0);
      assert.ok(errors[1] < 2 * errors[0]); // no outliers: symmetric per-row int8, about as good as dynamic
    } else {
      assert.equal(found, columns);
      assert.ok(errors[0] / errors[1] >= 10, `dynamic ${errors[0]} vs llm-int8 ${errors[1]}`);
    }
  }
  for (const m of [model, dynamic, llm, weightOnly]) m.dispose();
});

test('llm-int8 threshold: 0 turns decomposition off, it can be changed, and the report shows it', () => {
  const random = mulberry32(5);
  const model = new Model([{ name: 'fc', inFeatures: 64, outFeatures: 8,
    weight: Float32Array.from({ length: 512 }, () => random() - 0.5) }]);
  const x = outlierInputs(random, 4, 64, 2, 10);
  const off = model.quantize({ mode: 'llm-int8', outlierThreshold: 0 });
  off.forward(x, 4);
  assert.equal(off.report().layers[0].lastOutlierColumns, 0);
  assert.equal(off.report().layers[0].outlierThreshold, 0);
  const on = model.quantize({ mode: 'llm-int8' });
  assert.equal(on.report().layers[0].lastOutlierColumns, null); // no forward yet
  assert.equal(on.qparams('fc').qmin, -127); // bitsandbytes' absmax / 127 weights by default
  on.forward(x, 4);
  assert.equal(on.report().layers[0].outlierThreshold, 6);
  assert.equal(on.report().layers[0].lastOutlierColumns, 2);
  // Saved and loaded, the threshold and mode come back; so do outputs.
  const loaded = loadModel(on.save());
  assert.equal(loaded.report().layers[0].mode, 'llm-int8');
  assert.deepEqual(loaded.forward(x, 4), on.forward(x, 4));
  // Raising the threshold past the planted columns (|x| 10-20) sends none to fp32.
  on.setOutlierThreshold('fc', 25);
  on.forward(x, 4);
  assert.equal(on.report().layers[0].lastOutlierColumns, 0);
  assert.throws(() => on.setOutlierThreshold('fc', -1), /threshold must be a finite number >= 0/);
  assert.throws(() => on.setOutlierThreshold('nope', 1), /no layer named 'nope'/);
  assert.equal(on.report().layers[0].outlierThreshold, 25);
  // The same through a QuantLinear.
  const linear = new Linear({ inFeatures: 64, outFeatures: 8, weight: model.layerWeight('fc') });
  const layer = QuantLinear.fromLinear(linear, { mode: 'llm-int8', outlierThreshold: 4 });
  assert.equal(layer.lastOutlierColumns, null);
  layer.forward(x, 4);
  assert.equal(layer.lastOutlierColumns, 2);
  layer.outlierThreshold = 0;
  layer.forward(x, 4);
  assert.equal(layer.lastOutlierColumns, 0);
  assert.throws(() => { layer.outlierThreshold = NaN; }, /outlierThreshold/);
  assert.equal(layer.outlierThreshold, 0);
  assert.equal(layer.inputQParams, null);
  for (const m of [model, off, on, loaded, linear, layer]) m.dispose();
});

test('prepare/convert as free functions, static models save and load, bad options are refused', () => {
  const random = mulberry32(9);
  const model = new Model([
    { name: 'a', inFeatures: 10, outFeatures: 6, activation: 'relu', weight: Float32Array.from({ length: 60 }, () => random() - 0.5) },
    { name: 'b', inFeatures: 6, outFeatures: 3, weight: Float32Array.from({ length: 18 }, () => random() - 0.5) },
  ]);
  const prepared = prepare(model, { observer: 'moving-average', averagingConstant: 0.1, qscheme: 'per_tensor_symmetric' });
  assert.throws(() => convert(prepared), (e) => e instanceof QlinearError && /calibration/.test(e.message));
  const x = Float32Array.from({ length: 50 }, () => gaussian(random));
  assert.deepEqual(prepared.forward(x, 5), model.forward(x, 5));
  const observers = prepared.observers();
  assert.deepEqual(observers.map((o) => o.name), ['a', 'b']);
  assert.ok(observers.every((o) => o.observed && o.qparams.scale.length === 1 && o.qparams.scheme === 'per_tensor_symmetric'));
  const q = convert(prepared, {}, ['b']);
  assert.deepEqual(q.report().layers.map((l) => l.mode), ['static', null]);
  const loaded = loadModel(q.save());
  assert.deepEqual(loaded.report().layers[0].inputQParams, q.report().layers[0].inputQParams);
  assert.deepEqual(loaded.forward(x, 5), q.forward(x, 5));

  // Bad input: a clear error, and the objects still work afterwards.
  assert.throws(() => model.prepare({ observer: 'entropy' }), /observer must be 'minmax'/);
  assert.throws(() => model.prepare({ percentile: 30 }), /percentile must be a finite number > 50/);
  assert.throws(() => model.prepare({ averagingConstant: 0 }), /averagingConstant/);
  assert.throws(() => model.prepare({ bins: 4 }), /bins/);
  assert.throws(() => model.prepare({ qscheme: 'per_channel_affine' }), /qscheme must be/);
  assert.throws(() => prepared.convert({ mode: 'dynamic' }), /mode/); // convert's layers are static
  assert.throws(() => model.quantize({ mode: 'llm-int8', outlierThreshold: -1 }), /outlierThreshold/);
  assert.throws(() => model.quantize({ mode: 'static' }), (e) => e instanceof QlinearError && /prepare\(\)/.test(e.message));
  const dynamic = model.quantize({ mode: 'dynamic' });
  assert.throws(() => dynamic.setForwardMode('a', 'static'), /calibrated/);
  assert.throws(() => prepared.forward(new Float32Array(9), 1), QlinearError);
  assert.throws(() => prepared.forward(Float32Array.from({ length: 10 }, (_, i) => (i === 3 ? NaN : 0)), 1), QlinearError);
  assert.equal(prepared.calibrationRows, 5); // the bad batches changed nothing
  assert.throws(() => convert({}), TypeError);
  assert.throws(() => prepare({}), TypeError);
  assert.deepEqual(q.forward(x, 5), loaded.forward(x, 5));
  for (const m of [model, prepared, q, loaded, dynamic]) m.dispose();
});
