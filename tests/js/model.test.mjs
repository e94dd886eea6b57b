// Linear, QuantLinear and Model through the JS API, against PyTorch's outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { init, Linear, QuantLinear, Model, errorMetrics, memory, loadModel, QlinearError } from '../../web/package/qlinear.js';
import { mlpFixtures, maxScaledDifference } from './model-fixtures.mjs';
import { float32Bits } from './fixtures.mjs';

await init();

function withModel(fixture, fn) {
  const model = new Model(fixture.layerSpecs);
  try {
    return fn(model);
  } finally {
    model.dispose();
  }
}

test('fp32 forward reproduces PyTorch within 1e-5', () => {
  for (const f of mlpFixtures)
    withModel(f, (model) => {
      for (const input of f.inputs)
        assert.ok(maxScaledDifference(model.forward(input.values, input.batch), f.fp32[input.name]) <= 1e-5, `${f.name} ${input.name}`);
    });
});

test('weight-only: qparams bit for bit, outputs within float rounding of PyTorch (1e-5), with and without exclusions', () => {
  let cases = 0;
  for (const f of mlpFixtures)
    withModel(f, (model) => {
      for (const c of f.weight_only) {
        const q = model.quantize({ symmetric: c.symmetric, perChannel: c.per_channel }, c.exclude);
        const what = `${f.name} symmetric=${c.symmetric} perChannel=${c.per_channel} exclude=${c.exclude}`;
        for (const layer of f.layerSpecs) {
          const expected = c.layers[layer.name];
          const qp = q.qparams(layer.name);
          if (!expected) {
            assert.equal(qp, null, `${what}: ${layer.name} stays fp32`);
            continue;
          }
          assert.deepEqual(float32Bits(qp.scale), float32Bits(expected.scale), `${what}: scales of ${layer.name}`);
          assert.deepEqual(Array.from(qp.zeroPoint), expected.zero_point, `${what}: zero points of ${layer.name}`);
        }
        for (const input of f.inputs) {
          const y = q.forward(input.values, input.batch);
          assert.ok(maxScaledDifference(y, c.outputs[input.name]) <= 1e-5, `${what} ${input.name}`);
          if (input.name === 'batch_8') assert.ok(maxScaledDifference(y, f.fp32.batch_8) > 1e-4, 'int8 is visibly not fp32');
        }
        q.dispose();
        cases++;
      }
    });
  assert.equal(cases, 16);
});

test("dynamic mode with activations: 'pytorch' reproduces quantize_dynamic within 1e-5", () => {
  for (const f of mlpFixtures)
    withModel(f, (model) => {
      for (const c of f.dynamic) {
        const q = model.quantize({ perChannel: c.per_channel, mode: 'dynamic', activations: 'pytorch' });
        for (const [name, expected] of Object.entries(c.layers))
          assert.deepEqual(float32Bits(q.qparams(name).scale), float32Bits(expected.scale), `${f.name}: scales of ${name}`);
        for (const input of f.inputs)
          assert.ok(maxScaledDifference(q.forward(input.values, input.batch), c.outputs[input.name]) <= 1e-5, `${f.name} ${input.name}`);
        q.dispose();
      }
    });
});

test('dynamic mode with per-row activations is closer to fp32 than PyTorch quantize_dynamic', () => {
  for (const f of mlpFixtures)
    withModel(f, (model) => {
      for (const c of f.dynamic) {
        const q = model.quantize({ perChannel: c.per_channel, mode: 'dynamic' });
        for (const input of f.inputs) {
          const fp32 = f.fp32[input.name];
          const ours = errorMetrics(fp32, q.forward(input.values, input.batch)).sqnrDb;
          const pytorch = errorMetrics(fp32, c.outputs[input.name]).sqnrDb;
          assert.ok(ours >= pytorch, `${f.name} ${input.name}: ${ours} dB vs PyTorch ${pytorch} dB`);
        }
        q.dispose();
      }
    });
});

test("the tutorial's FourLayerModel in a few lines, quantized without layer1 and layer5, with a report", () => {
  const f = mlpFixtures.find((m) => m.name === 'four_layer');
  const model = new Model(f.layerSpecs);
  const input = f.inputs.find((i) => i.name === 'batch_8');
  const before = model.forward(input.values, 8);
  const q = model.quantize({ symmetric: true, perChannel: true }, ['layer1', 'layer5']);
  assert.deepEqual(float32Bits(model.forward(input.values, 8)), float32Bits(before), 'the original is left intact');
  const report = q.report({ reference: model, input: input.values, batch: 8 });
  assert.deepEqual(report.layers.map((l) => l.kind), ['linear', 'quant_linear', 'quant_linear', 'quant_linear', 'linear']);
  const layer2 = report.layers[1];
  assert.equal(layer2.scheme, 'per_channel_symmetric');
  assert.equal(layer2.mode, 'weight-only');
  assert.equal(layer2.bytesFp32, (128 * 256 + 256) * 4);
  assert.equal(layer2.bytes, 128 * 256 + 256 * 8 + 256 * 4);
  assert.ok(layer2.scaleMin > 0 && layer2.scaleMin <= layer2.scaleMax);
  assert.ok(layer2.weightError.sqnrDb > 30);
  assert.equal(report.layers[0].weightError, null);
  const w2 = model.layerWeight('layer2'), dq2 = q.layerWeight('layer2');
  assert.equal(dq2.length, 128 * 256);
  const maxError = Math.max(...Array.from(w2, (w, i) => Math.abs(w - dq2[i])));
  assert.ok(Math.abs(maxError - layer2.weightError.maxAbsError) < 1e-7, 'layerWeight agrees with the report');
  assert.deepEqual(float32Bits(q.layerWeight('layer1')), float32Bits(model.layerWeight('layer1')), 'excluded layers are untouched');
  assert.ok(report.bytes < report.bytesFp32);
  assert.equal(report.comparison.layerError.length, 5);
  assert.equal(report.comparison.layerError[0].maxAbsError, 0, 'layer1 is excluded: identical output');
  assert.ok(report.comparison.outputError.sqnrDb > 30);
  assert.equal(report.comparison.argmaxAgreement, 1, 'all 8 rows keep their top class');
  q.dispose();
  model.dispose();
});

test('Linear and QuantLinear on their own', () => {
  const linear = new Linear({ inFeatures: 3, outFeatures: 2, weight: [1, 2, 3, 4, 5, 6], bias: [0.5, -1] });
  assert.deepEqual(Array.from(linear.forward([1, 0, -1, 2, 1, 0], 2)), [-1.5, -3, 4.5, 12]);
  assert.equal(linear.bias.length, 2);
  const q = QuantLinear.fromLinear(linear, { symmetric: false, perChannel: false, dtype: 'quint8' });
  assert.ok(q.weight instanceof Uint8Array);
  assert.equal(q.qparams.scheme, 'per_tensor_affine');
  assert.equal(q.bytes, 6 + 8 + 8);
  assert.equal(q.mode, 'weight-only');
  q.mode = 'dynamic';
  assert.equal(q.mode, 'dynamic');
  assert.equal(q.activations, 'per-row');
  const y = q.forward([1, 0, -1, 2, 1, 0], 2);
  assert.ok(maxScaledDifference(y, [-1.5, -3, 4.5, 12]) < 0.05);
  assert.throws(() => new QuantLinear(), /use QuantLinear.fromLinear/);
  const m = new Model([{ name: 'only', linear: q, activation: 'relu' }]);
  assert.equal(m.report().layers[0].mode, 'dynamic');
  m.dispose();
  q.dispose();
  linear.dispose();
});

test('bad input to layers and models: clear errors, and everything keeps working', () => {
  const f = mlpFixtures.find((m) => m.name === 'four_layer');
  const model = new Model(f.layerSpecs);
  const qlinearError = (pattern) => (e) => e instanceof QlinearError && pattern.test(e.message);
  const typeError = (pattern) => (e) => e instanceof TypeError && pattern.test(e.message);
  assert.throws(() => model.forward(new Float32Array(63), 1), qlinearError(/input has 63 values, but batch 1 x 64 features needs 64/));
  assert.throws(() => model.forward(new Float32Array(128), 0), qlinearError(/batch must be positive, got 0/));
  assert.throws(() => model.forward(new Float32Array(128), -2), qlinearError(/batch must be positive, got -2/));
  assert.throws(() => model.forward(new Float32Array(128), 1.5), typeError(/batch must be an integer/));
  assert.throws(() => model.forward(new Float32Array(64).fill(NaN), 1), qlinearError(/forward input contains NaN at index 0/));
  assert.throws(() => model.quantize({}, ['layer9']), qlinearError(/modules_to_exclude names 'layer9', but the model has no layer of that name \(its layers: /));
  // An int8 model (or a file saved from one) is not quantized again with other options.
  const int8 = model.quantize();
  const reloaded = loadModel(int8.save());
  for (const m of [int8, reloaded])
    assert.throws(() => m.quantize({ symmetric: false, perChannel: false }), qlinearError(/is int8 already .*quantizing it again would compound its error/));
  int8.dispose();
  reloaded.dispose();
  assert.throws(() => model.quantize({ perchannel: true }), typeError(/unknown option 'perchannel'/));
  assert.throws(() => model.quantize({ mode: 'int4' }), typeError(/mode must be 'weight-only' or 'dynamic'/));
  assert.throws(() => model.add({ name: 'extra', inFeatures: 5, outFeatures: 2, weight: new Float32Array(10) }),
    qlinearError(/layer 'extra' takes 5 inputs, but 'layer5' before it gives 9/));
  assert.equal(model.layerCount, 5, 'a refused layer is not added');
  assert.throws(() => new Model([{ name: 'a', inFeatures: 2, outFeatures: 1, weight: [1, NaN] }]),
    qlinearError(/Linear weight contains NaN at index 1/));
  assert.throws(() => new Model([
    { name: 'a', inFeatures: 2, outFeatures: 3, weight: new Float32Array(6) },
    { name: 'b', inFeatures: 4, outFeatures: 1, weight: new Float32Array(4) },
  ]), qlinearError(/layer 'b' takes 4 inputs, but 'a' before it gives 3/));
  assert.throws(() => new Model([{ inFeatures: 1, outFeatures: 1, weight: [1] }]), typeError(/needs a name/));
  assert.throws(() => new Model([{ name: 'a', linear: {} }]), typeError(/must be a Linear or a QuantLinear/));
  assert.throws(() => model.setForwardMode('layer1', 'dynamic'), qlinearError(/'layer1' is fp32/));
  assert.throws(() => model.report({ reference: model }), typeError(/input must be/));
  assert.throws(() => model.report({ input: new Float32Array(64) }), typeError(/pass \{ reference, input, batch \}/));
  const linear = new Linear({ inFeatures: 9, outFeatures: 2, weight: new Float32Array(18) });
  assert.throws(() => model.add({ name: 'both', linear, weight: new Float32Array(18) }), typeError(/either 'linear' or the weight fields/));
  linear.dispose();
  assert.throws(() => model.forward(new Float32Array(64), 2 ** 32 + 1), typeError(/batch must be between/));
  assert.throws(() => new Linear({ inFeatures: 2 ** 32 + 2, outFeatures: 1, weight: [1, 2] }), typeError(/inFeatures must be between 1 and/));
  assert.throws(() => model.qparams('nope'), qlinearError(/no layer named 'nope'/));
  // Still fine afterwards.
  const input = f.inputs.find((i) => i.name === 'one_row');
  assert.ok(maxScaledDifference(model.forward(input.values, 1), f.fp32.one_row) <= 1e-5);
  model.dispose();
  assert.throws(() => model.forward(input.values, 1), qlinearError(/this Model was disposed/));
});

test('Model.forward through the heap buffer equals the emval path, across batches, heap growth and errors', () => {
  const f = mlpFixtures.find((m) => m.name === 'four_layer');
  const fp32 = new Model(f.layerSpecs);
  const model = fp32.quantize({ mode: 'dynamic' });
  const inFeatures = model.inFeatures;
  const input = (batch, seed) => Float32Array.from({ length: batch * inFeatures }, (_, i) => Math.sin(seed + i * 0.37) * 3);
  const viaEmval = (m, x, batch) => m.forwardEachLayer(x, batch).at(-1); // converts typed arrays through Embind
  try {
    // 300,000 rows need more heap than the module starts with: the heap grows during the call,
    // which replaces HEAPF32, and the output must still be read from the new view.
    const heapBefore = memory().reserved;
    for (const batch of [1, 3, 1, 64, 300_000, 2]) {
      const x = input(batch, batch);
      for (const m of [fp32, model]) {
        const y = m.forward(x, batch);
        assert.equal(y.length, batch * 9);
        if (batch <= 64) assert.deepEqual(y, viaEmval(m, x, batch), `batch ${batch}`);
        else assert.deepEqual(y.subarray(-18), viaEmval(m, x.subarray(-2 * inFeatures), 2), 'the last rows of the big batch');
      }
    }
    assert.ok(memory().reserved > heapBefore, 'the big batch grew the heap');
    // An error leaves nothing behind: the next call works and gives the same answer.
    const x = input(2, 7);
    const expected = model.forward(x, 2);
    assert.throws(() => model.forward(x.subarray(1), 2), (e) => e instanceof QlinearError && /input has 127 values/.test(e.message));
    assert.throws(() => model.forward(new Float32Array(2 * inFeatures).fill(Infinity), 2), QlinearError);
    assert.deepEqual(model.forward(x, 2), expected);
    // The returned arrays are copies: a later forward does not change an earlier result.
    const first = model.forward(input(1, 1), 1), copy = first.slice();
    model.forward(input(1, 2), 1);
    assert.deepEqual(first, copy);
  } finally {
    model.dispose();
    fp32.dispose();
  }
});

test('forward(x, batch, { out }) writes into the caller\'s array, checked before anything runs', () => {
  const model = new Model([
    { name: 'a', inFeatures: 5, outFeatures: 7, weight: Float32Array.from({ length: 35 }, (_, i) => Math.sin(i)), activation: 'relu' },
    { name: 'b', inFeatures: 7, outFeatures: 3, weight: Float32Array.from({ length: 21 }, (_, i) => Math.cos(i)) },
  ]);
  const q = model.quantize({ mode: 'dynamic' });
  const x = Float32Array.from({ length: 15 }, (_, i) => i / 7 - 1);
  for (const m of [model, q]) {
    const fresh = m.forward(x, 3);
    const out = new Float32Array(9).fill(NaN);
    assert.equal(m.forward(x, 3, { out }), out, 'the same array back');
    assert.deepEqual(float32Bits(out), float32Bits(fresh));
    assert.throws(() => m.forward(x, 3, { out: new Float32Array(8) }),
      (e) => e instanceof QlinearError && /Model\.forward\(\): out holds 8 floats, but batch 3 x 3 outputs needs 9/.test(e.message));
    assert.throws(() => m.forward(x, 3, { out: [0, 0, 0] }), (e) => e instanceof TypeError && /out must be a Float32Array/.test(e.message));
    assert.throws(() => m.forward(x, 3, { output: out }), TypeError);
  }
  // A layer too.
  const layer = QuantLinear.fromLinear(new Linear({ inFeatures: 5, outFeatures: 7, weight: Float32Array.from({ length: 35 }, (_, i) => Math.sin(i)) }));
  const out = new Float32Array(14);
  assert.deepEqual(float32Bits(layer.forward(x.subarray(0, 10), 2, { out })), float32Bits(layer.forward(x.subarray(0, 10), 2)));
  layer.dispose();
  model.dispose();
  q.dispose();
});
