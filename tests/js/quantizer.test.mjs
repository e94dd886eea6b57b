// The JS package against PyTorch's fixtures, bit for bit, plus its API contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  init, getSymmetricQParams, getAsymmetricQParams, quantizeTensor, dequantizeTensor, fakeQuantize,
  errorMetrics, QlinearError,
} from '../../web/package/qlinear.js';
import { fixtures, acceptedCases, refusedCases, label, optionsFor, float32Bits } from './fixtures.mjs';

await init();

function runCase(c) {
  const input = fixtures.inputs[c.input];
  const options = optionsFor(c);
  const qparams = (c.symmetric ? getSymmetricQParams : getAsymmetricQParams)(input.values, options);
  const shape = { shape: input.shape };
  const q = quantizeTensor(input.values, qparams, shape);
  return { qparams, q, dq: dequantizeTensor(q, qparams, shape), fq: fakeQuantize(input.values, qparams, shape) };
}

test('the fixtures hold at least 200 accepted PyTorch cases', () => {
  assert.ok(acceptedCases.length >= 200, `${acceptedCases.length} cases`);
});

test('every PyTorch case matches bit for bit through the JS API', () => {
  for (const c of acceptedCases) {
    const { qparams, q, dq, fq } = runCase(c);
    const what = label(c);
    assert.deepEqual(float32Bits(qparams.scale), float32Bits(c.scale), `scale of ${what}`);
    assert.deepEqual(Array.from(qparams.zeroPoint), c.zero_point, `zero point of ${what}`);
    assert.equal(qparams.qmin, c.qmin, what);
    assert.equal(qparams.qmax, c.qmax, what);
    assert.ok(q instanceof (c.dtype === 'qint8' ? Int8Array : Uint8Array), `storage type of ${what}`);
    assert.deepEqual(Array.from(q), c.q, `integers of ${what}`);
    assert.deepEqual(float32Bits(dq), float32Bits(c.dq), `dequantized values of ${what}`);
    assert.deepEqual(float32Bits(fq), float32Bits(c.fq), `fake-quantized values of ${what}`);
  }
});

test('combinations PyTorch refuses throw a QlinearError with its reason', () => {
  assert.ok(refusedCases.length > 0);
  for (const c of refusedCases)
    assert.throws(() => runCase(c), (e) => e instanceof QlinearError && /Cannot reduce range/.test(e.message), label(c));
});

test("the tutorial's vector gives the tutorial's numbers", () => {
  const x = [3.0, -5.5, 0.0, 6.0, -6.0, 2.5];
  const qp = getSymmetricQParams(x);
  assert.equal(qp.scale[0], Math.fround(6 / 127.5));
  assert.deepEqual(Array.from(quantizeTensor(x, qp)), [64, -117, 0, 127, -128, 53]);
  const affine = getAsymmetricQParams(x, { dtype: 'quint8' });
  assert.equal(affine.zeroPoint[0], 128);
});

test('plain arrays and typed arrays give the same result', () => {
  const x = [0.25, -1, 3.5, 2];
  assert.deepEqual(getAsymmetricQParams(x), getAsymmetricQParams(Float32Array.from(x)));
});

test('results are copies: later calls do not change earlier outputs', () => {
  const a = getSymmetricQParams([1, 2, 3]);
  const saved = a.scale[0];
  getSymmetricQParams(new Float32Array(100000).fill(7)); // may grow the wasm heap
  assert.equal(a.scale[0], saved);
});

test('errorMetrics agrees with a direct computation', () => {
  const m = errorMetrics([3, 4], [3, 3]);
  assert.equal(m.maxAbsError, 1);
  assert.equal(m.mse, 0.5);
  assert.ok(Math.abs(m.sqnrDb - 10 * Math.log10(25)) < 1e-12);
  assert.equal(errorMetrics([1, 2], [1, 2]).sqnrDb, Infinity);
});
