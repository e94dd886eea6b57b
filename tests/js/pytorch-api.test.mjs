// The PyTorch functions qlinear mirrors by name, against PyTorch 1.13's own answers
// (tools/make_pytorch_api_fixtures.py): quantize_per_tensor / quantize_per_channel with given
// numbers, _choose_qparams_per_tensor (dynamic Linear's input qparams), and a quantized layer's
// int_repr() with its per-channel scales and zero points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  init, quantizePerTensor, quantizePerChannel, chooseQParams, Model, Linear, QuantLinear, QlinearError, getAsymmetricQParams,
} from '../../web/package/qlinear.js';

await init();
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/pytorch_api.json', import.meta.url), 'utf8'));

test('quantizePerTensor equals torch.quantize_per_tensor(...).int_repr(), clamping and ties included', () => {
  for (const c of fixtures.per_tensor) {
    const q = quantizePerTensor(c.x, c.scale, c.zero_point, c.dtype);
    assert.ok(q instanceof (c.dtype === 'qint8' ? Int8Array : Uint8Array));
    assert.deepEqual(Array.from(q), c.int_repr, `${c.dtype} scale ${c.scale} zero point ${c.zero_point}`);
  }
});

test('quantizePerChannel equals torch.quantize_per_channel(...).int_repr() along either axis', () => {
  for (const c of fixtures.per_channel) {
    const q = quantizePerChannel(c.x, c.scales, c.zero_points, c.axis, c.dtype, { shape: c.shape });
    assert.deepEqual(Array.from(q), c.int_repr, `${c.dtype} axis ${c.axis}`);
  }
});

test('chooseQParams equals torch._choose_qparams_per_tensor bit for bit (the scale is a double)', () => {
  for (const c of fixtures.choose_qparams) {
    const p = chooseQParams(c.x, { reduceRange: c.reduce_range });
    assert.equal(p.scale, c.scale, `x[0] ${c.x[0]}, reduce_range ${c.reduce_range}`);
    assert.equal(p.zeroPoint, c.zero_point);
    assert.deepEqual([p.qmin, p.qmax], [0, c.reduce_range ? 127 : 255]);
  }
  assert.equal(chooseQParams([1, 2]).qmax, 127, 'reduce_range by default, as dynamic Linear');
});

test("intRepr() of a per-channel layer equals quantize_dynamic's weight().int_repr(), scales and zero points", () => {
  for (const c of fixtures.int_repr) {
    const model = new Model([{ name: 'fc', inFeatures: c.in_features, outFeatures: c.out_features, weight: c.weight }]);
    const int8 = model.quantize({ symmetric: true, perChannel: true, mode: 'dynamic' });
    const r = int8.layerIntRepr('fc');
    assert.deepEqual(r.shape, [c.out_features, c.in_features]);
    assert.deepEqual(Array.from(r.values), c.int_repr);
    assert.deepEqual(Array.from(r.qparams.scale), c.scales.map(Math.fround));
    assert.deepEqual(Array.from(r.qparams.zeroPoint), c.zero_points);
    assert.equal(model.layerIntRepr('fc'), null, 'an fp32 layer has none');
    const linear = new Linear({ inFeatures: c.in_features, outFeatures: c.out_features, weight: c.weight });
    const layer = QuantLinear.fromLinear(linear);
    assert.deepEqual(Array.from(layer.intRepr().values), c.int_repr);
    for (const m of [model, int8, linear, layer]) m.dispose();
  }
});

test('bad numbers name what is wrong', () => {
  assert.throws(() => quantizePerTensor([1], 0, 0, 'quint8'), (e) => e instanceof QlinearError && /scale 0\.0+ of channel 0 must be positive/.test(e.message));
  assert.throws(() => quantizePerTensor([1], 0.1, 300, 'quint8'), /zero point 300 of channel 0 lies outside \[0, 255\]/);
  assert.throws(() => quantizePerTensor([1], 0.1, 0, 'int4'), /dtype/);
  assert.throws(() => quantizePerChannel([1, 2], [0.1], [0], 0, 'qint8'), /\{ shape \} is required/);
  assert.throws(() => quantizePerChannel([1, 2, 3, 4], [0.1], [0], 1, 'qint8', { shape: [2, 2] }), /1 channels but axis 1 of shape \[2, 2\] has 2/);
  assert.throws(() => chooseQParams([]), /the input is empty/);
  assert.throws(() => chooseQParams([1, NaN]), /NaN/);
});

test("setInputQParams takes PyTorch's static input scale and zero point: no calibration, PyTorch's outputs", () => {
  const modes = JSON.parse(readFileSync(new URL('../fixtures/int8_modes.json', import.meta.url), 'utf8'));
  for (const c of modes.static) {
    const model = new Model([{ name: 'fc', inFeatures: c.in_features, outFeatures: c.out_features, weight: c.weight, bias: c.bias }]);
    const int8 = model.quantize({ symmetric: true, perChannel: true }); // convert()'s default weights
    assert.throws(() => int8.setForwardMode('fc', 'static'), /no calibrated input scale/);
    int8.setInputQParams('fc', { scale: c.input_scale, zeroPoint: c.input_zero_point }).setForwardMode('fc', 'static');
    const qp = int8.report().layers[0].inputQParams;
    assert.deepEqual([qp.scale[0], qp.zeroPoint[0], qp.dtype], [Math.fround(c.input_scale), c.input_zero_point, 'quint8']);
    const y = int8.forward(c.x, c.batch);
    const bound = 1e-5 * Math.max(1, ...c.output.map(Math.abs));
    y.forEach((v, i) => assert.ok(Math.abs(v - c.output[i]) <= bound, `output ${i}: ${v} vs PyTorch ${c.output[i]}`));
    assert.throws(() => model.setInputQParams('fc', { scale: 0.1, zeroPoint: 0 }), /layer 'fc' is fp32/);
    assert.throws(() => int8.setInputQParams('fc', { scale: 0.1, zeroPoint: 300 }), /zero point 300/);
    for (const m of [model, int8]) m.dispose();
  }
});

test('activationQParams shows the qparams a W8A8 forward quantizes its input with', () => {
  // PyTorch's dynamic Linear (activations 'pytorch'): torch._choose_qparams_per_tensor(x, reduce_range=True) itself.
  for (const c of fixtures.choose_qparams.filter((c) => c.reduce_range)) {
    const n = c.x.length;
    const linear = new Linear({ inFeatures: n, outFeatures: 2, weight: Array.from({ length: 2 * n }, (_, i) => Math.sin(i)) });
    const layer = QuantLinear.fromLinear(linear, { mode: 'dynamic', activations: 'pytorch' });
    const q = layer.activationQParams(c.x, 1);
    assert.deepEqual([q.scale[0], q.zeroPoint[0]], [Math.fround(c.scale), c.zero_point], `x of ${n} values`);
    for (const o of [linear, layer]) o.dispose();
  }
  // Per row: each row's own MinMax quint8 affine qparams, and they are what forward() used: the
  // output rebuilt from them in float64 is forward()'s.
  const inF = 19, outF = 5, batch = 3;
  const w = Array.from({ length: inF * outF }, (_, i) => Math.cos(i * 0.7) * 0.3);
  const x = Float32Array.from({ length: inF * batch }, (_, i) => Math.sin(i * 1.3) * (1 + (i % 5)));
  const model = new Model([{ name: 'fc', inFeatures: inF, outFeatures: outF, weight: w, activation: 'relu' },
    { name: 'out', inFeatures: outF, outFeatures: 2, weight: Array.from({ length: 2 * outF }, (_, i) => i / 7 - 0.5) }]);
  const dynamic = model.quantize({ mode: 'dynamic' });
  const [first, second] = dynamic.activationQParams(x, batch);
  const weight = dynamic.layerWeight('fc');
  const y = dynamic.forwardEachLayer(x, batch)[0];
  for (let r = 0; r < batch; r++) {
    const row = x.subarray(r * inF, (r + 1) * inF);
    const own = getAsymmetricQParams(row, { dtype: 'quint8' });
    assert.deepEqual([first.scale[r], first.zeroPoint[r]], [own.scale[0], own.zeroPoint[0]], `row ${r}`);
    const xq = quantizePerTensor(row, first.scale[r], first.zeroPoint[r], 'quint8');
    for (let j = 0; j < outF; j++) {
      let acc = 0;
      for (let k = 0; k < inF; k++) acc += (xq[k] - first.zeroPoint[r]) * first.scale[r] * weight[j * inF + k];
      assert.ok(Math.abs(Math.max(acc, 0) - y[r * outF + j]) <= 1e-5, `row ${r} output ${j}: ${acc} vs ${y[r * outF + j]}`);
    }
  }
  // The second layer's come from what reaches it: the first layer's output.
  const outLayer = QuantLinear.fromLinear(new Linear({ inFeatures: outF, outFeatures: 2, weight: Array.from({ length: 2 * outF }, (_, i) => i / 7 - 0.5) }), { mode: 'dynamic' });
  assert.deepEqual(second, outLayer.activationQParams(y, batch));
  // fp32 and weight-only layers quantize nothing; a static layer uses its calibrated pair.
  assert.deepEqual(model.activationQParams(x, batch), [null, null]);
  assert.deepEqual(model.quantize({ mode: 'weight-only' }).activationQParams(x, batch), [null, null]);
  const fixed = dynamic.setInputQParams('fc', { scale: 0.05, zeroPoint: 3 }).setForwardMode('fc', 'static').activationQParams(x, batch)[0];
  assert.deepEqual([Array.from(fixed.scale), Array.from(fixed.zeroPoint)], [[0.05, 0.05, 0.05].map(Math.fround), [3, 3, 3]]);
  assert.throws(() => QuantLinear.fromLinear(new Linear({ inFeatures: 2, outFeatures: 1, weight: [1, 2] })).activationQParams([1, 2]),
    /weight-only layer does not quantize its input/);
  assert.throws(() => dynamic.activationQParams(x, 2), /input has 57 values, but batch 2 x 19 features needs 38/);
  assert.throws(() => dynamic.activationQParams(x, 1.5), /batch must be an integer/);
  for (const m of [model, dynamic, outLayer]) m.dispose();
});
