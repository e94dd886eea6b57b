// HistogramObserver and PyTorch's default static qconfigs through the JS API, against PyTorch 1.13
// itself: tools/make_histogram_observer_fixtures.py (the observer on 239 call sequences) and
// tools/make_default_qconfig_fixtures.py (prepare / calibrate / convert of the seed's Linear(6, 1)
// and two MLPs with each of get_default_qconfig's backends).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { init, HistogramObserver, getDefaultQConfig, Model, quantizePerTensor, optionTable } from '../../web/package/qlinear.js';

await init();
const read = (name) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));

const floatsOf = (base64) => {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
};
const ulps = (a, b) => Math.abs(new Int32Array(new Float32Array([a]).buffer)[0] - new Int32Array(new Float32Array([b]).buffer)[0]);
const bitsOf = (x) => new Uint32Array(new Float32Array([x]).buffer)[0].toString(16).padStart(8, '0');

test('HistogramObserver gives PyTorch 1.13 scale bits and zero point on every fixture case', () => {
  const { cases } = read('histogram_observer.json');
  assert.ok(cases.length >= 200);
  for (const c of cases) {
    const observer = new HistogramObserver({
      bins: c.bins, upsampleRate: c.upsample_rate, dtype: c.dtype, qscheme: c.qscheme, reduceRange: c.reduce_range, range: c.range,
    });
    for (const call of c.calls) observer.forward(floatsOf(call));
    const qp = observer.calculateQParams();
    assert.equal(bitsOf(qp.scale[0]), c.scale_bits, `${c.name}: scale`);
    assert.equal(qp.zeroPoint[0], c.zero_point, `${c.name}: zero point`);
    assert.equal(bitsOf(observer.minVal), c.min_val_bits, `${c.name}: min_val`);
    assert.equal(bitsOf(observer.maxVal), c.max_val_bits, `${c.name}: max_val`);
    assert.equal(observer.histogram.length, c.bins);
    observer.dispose();
  }
});

test('HistogramObserver refuses what PyTorch cannot do, and bad input leaves it as it was', () => {
  assert.throws(() => new HistogramObserver({ qscheme: 'per_channel_affine' }), /qscheme/);
  assert.throws(() => new HistogramObserver({ bins: 0 }), /bins/);
  assert.throws(() => new HistogramObserver({ upsampleRate: 1.5 }), /upsampleRate/);
  const observer = new HistogramObserver();
  assert.deepEqual([observer.calculateQParams().scale[0], observer.calculateQParams().zeroPoint[0]], [1, 0]);
  observer.forward([0.5, -2, 3]);
  const before = observer.calculateQParams();
  assert.throws(() => observer.forward([1, NaN]), /NaN/);
  assert.throws(() => observer.forward([]), /empty/);
  assert.deepEqual(observer.calculateQParams(), before);
  observer.dispose();
});

test("getDefaultQConfig is PyTorch 1.13's get_default_qconfig, as prepare() and convert() options", () => {
  const fbgemm = getDefaultQConfig();
  assert.deepEqual(fbgemm, getDefaultQConfig('fbgemm'));
  assert.equal(fbgemm.activation.observer, 'histogram');
  assert.equal(fbgemm.activation.reduceRange, true);
  assert.deepEqual([fbgemm.weight.perChannel, fbgemm.weight.symmetric, fbgemm.weight.dtype], [true, true, 'qint8']);
  assert.equal(getDefaultQConfig('qnnpack').weight.perChannel, false);
  assert.equal(getDefaultQConfig('qnnpack').activation.reduceRange, false);
  assert.ok(Object.isFrozen(fbgemm) && Object.isFrozen(fbgemm.weight));
  assert.deepEqual(optionTable().enums.find((e) => e.type === 'QConfigBackend').names, ['fbgemm', 'qnnpack', 'x86', 'onednn']);
  assert.throws(() => getDefaultQConfig('tensorrt'), /backend must be 'fbgemm' or 'qnnpack' or 'x86' or 'onednn', got "tensorrt"/);
});

test('prepare / calibrate / convert with each default qconfig gives PyTorch\'s integers, qparams and outputs', () => {
  const { cases } = read('default_qconfig.json');
  assert.equal(cases.length, 12);
  for (const c of cases) {
    const what = `${c.backend} / ${c.name}`;
    const model = new Model(c.layers.map((l, i) => ({
      name: `fc${i}`, inFeatures: l.in_features, outFeatures: l.out_features, weight: l.weight, bias: l.bias,
      activation: l.relu ? 'relu' : 'identity',
    })));
    const qconfig = getDefaultQConfig(c.backend);
    const prepared = model.prepare(qconfig.activation);
    c.batches.forEach((rows, b) => prepared.forward(c.calibration[b], rows));
    const int8 = prepared.convert(qconfig.weight);
    const report = int8.report();
    c.layers.forEach((l, i) => {
      const repr = int8.layerIntRepr(`fc${i}`);
      assert.deepEqual(Array.from(repr.values), l.int_repr, `${what} fc${i}: int_repr`);
      assert.deepEqual(Array.from(repr.qparams.scale), l.scales.map(Math.fround), `${what} fc${i}: scales`);
      assert.deepEqual(Array.from(repr.qparams.zeroPoint), l.zero_points, `${what} fc${i}: zero points`);
      // The input's scale and zero point. The first layer sees the data itself: PyTorch's exactly.
      // Later layers see fp32 activations, which qlinear's matmul sums in another order than
      // PyTorch's, so their observed range may move by float rounding: PyTorch's scale within 4
      // ulps, and exactly PyTorch's when the observer is fed PyTorch's own activations.
      const input = report.layers[i].inputQParams;
      assert.equal(input.zeroPoint[0], l.input_zero_point, `${what} fc${i}: input zero point`);
      if (i === 0) assert.equal(input.scale[0], Math.fround(l.input_scale), `${what} fc0: input scale`);
      else assert.ok(ulps(input.scale[0], l.input_scale) <= 4, `${what} fc${i}: input scale ${input.scale[0]} vs ${l.input_scale}`);
      const observer = new HistogramObserver({ reduceRange: qconfig.activation.reduceRange });
      for (const seen of l.calibration_inputs) observer.forward(seen);
      const own = observer.calculateQParams();
      assert.deepEqual([own.scale[0], own.zeroPoint[0]], [Math.fround(l.input_scale), l.input_zero_point], `${what} fc${i}: observer`);
      observer.dispose();
    });
    const y = int8.forward(c.x, c.batch);
    assert.deepEqual(Array.from(quantizePerTensor(y, c.output_scale, c.output_zero_point, 'quint8')), c.output_int_repr, `${what}: output`);
    for (const m of [model, prepared, int8]) m.dispose();
  }
});
