// The PyTorch functions qlinear mirrors by name, against PyTorch 1.13's own answers
// (tools/make_pytorch_api_fixtures.py): quantize_per_tensor / quantize_per_channel with given
// numbers, _choose_qparams_per_tensor (dynamic Linear's input qparams), and a quantized layer's
// int_repr() with its per-channel scales and zero points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  init, quantizePerTensor, quantizePerChannel, chooseQParams, Model, Linear, QuantLinear, QlinearError,
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
