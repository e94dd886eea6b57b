// Bad input gets a clear error, of the right kind, and the module keeps working.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  init, getSymmetricQParams, getAsymmetricQParams, quantizeTensor, dequantizeTensor, errorMetrics, QlinearError,
} from '../../web/package/qlinear.js';

await init();

const qlinearError = (pattern) => (e) => e instanceof QlinearError && pattern.test(e.message);
const typeError = (pattern) => (e) => e instanceof TypeError && pattern.test(e.message);

test('empty tensor', () => {
  assert.throws(() => getSymmetricQParams([]), qlinearError(/empty tensor/));
  assert.throws(() => getAsymmetricQParams(new Float32Array(0)), qlinearError(/empty tensor/));
});

test('shape that does not hold the values', () => {
  assert.throws(() => getSymmetricQParams([1, 2, 3, 4, 5], { shape: [2, 3], perChannel: true }),
    qlinearError(/shape \[2, 3\] has 6 elements but 5 values were given/));
  assert.throws(() => getSymmetricQParams([1, 2], { shape: [2, -1] }), typeError(/non-negative integers/));
  assert.throws(() => getSymmetricQParams([1, 2], { shape: 'two' }), typeError(/shape must be an array/));
});

test('axis out of range', () => {
  assert.throws(() => getAsymmetricQParams([1, 2, 3, 4], { shape: [2, 2], perChannel: true, axis: 2 }),
    qlinearError(/axis 2 is out of range for a tensor of rank 2/));
});

test('NaN and infinities', () => {
  assert.throws(() => getSymmetricQParams([1, NaN]), qlinearError(/NaN at index 1/));
  assert.throws(() => getAsymmetricQParams([Infinity]), qlinearError(/\+Inf at index 0/));
  const qp = getSymmetricQParams([1, 2]);
  assert.throws(() => quantizeTensor([0, -Infinity], qp), qlinearError(/-Inf at index 1/));
  assert.throws(() => errorMetrics([1], [NaN]), qlinearError(/NaN/));
});

test('options with typos or wrong types are refused, not ignored', () => {
  assert.throws(() => getSymmetricQParams([1], { perchannel: true }), typeError(/unknown option 'perchannel'/));
  assert.throws(() => getSymmetricQParams([1], { dtype: 'int4' }), typeError(/dtype must be 'qint8' or 'quint8'/));
  assert.throws(() => getSymmetricQParams([1], { axis: 0.5 }), typeError(/axis must be an integer/));
  assert.throws(() => getSymmetricQParams([1], { reduceRange: 'yes' }), typeError(/reduceRange must be true or false/));
  assert.throws(() => getSymmetricQParams('1, 2'), typeError(/Float32Array or an array of numbers/));
  assert.throws(() => getSymmetricQParams([1, '2']), typeError(/values\[1\] is string/));
});

test('option combinations without meaning', () => {
  assert.throws(() => getSymmetricQParams([1], { dtype: 'quint8', range: 'restricted' }),
    qlinearError(/restricted range \[-127, 127\] exists for qint8 only/));
  assert.throws(() => getSymmetricQParams([1], { dtype: 'quint8', reduceRange: true }),
    qlinearError(/Cannot reduce range for symmetric quantization for quint8/));
});

test('qparams that do not fit the tensor', () => {
  const perChannel = getSymmetricQParams([1, 2, 3, 4, 5, 6], { shape: [3, 2], perChannel: true });
  assert.throws(() => quantizeTensor([1, 2, 3, 4], perChannel, { shape: [2, 2] }),
    qlinearError(/3 channels but axis 0 of shape \[2, 2\] has 2/));
  const broken = { ...getSymmetricQParams([1, 2]), scale: Float32Array.of(0) };
  assert.throws(() => quantizeTensor([1, 2], broken), qlinearError(/must be positive/));
  assert.throws(() => dequantizeTensor([1, 300], getSymmetricQParams([1, 2])), qlinearError(/quantized value 300 at index 1 does not fit qint8/));
  assert.throws(() => dequantizeTensor([1.5], getSymmetricQParams([1, 2])), typeError(/quantized values\[0\] must be an integer/));
  assert.throws(() => dequantizeTensor([2 ** 32 + 3], getSymmetricQParams([1, 2])), typeError(/must be between/));
  assert.throws(() => quantizeTensor([1], null), typeError(/qparams must be/));
  const qp = getSymmetricQParams([1, 2]);
  assert.throws(() => quantizeTensor([1], { ...qp, zeroPoint: [2 ** 32 + 5] }), typeError(/qparams.zeroPoint\[0\] must be between/));
  assert.throws(() => quantizeTensor([1], { ...qp, zeroPoint: ['abc'] }), typeError(/qparams.zeroPoint\[0\] must be an integer/));
  assert.throws(() => quantizeTensor([1], { ...qp, zeroPoint: [100], qmin: -10, qmax: 10 }), qlinearError(/zero point 100 of channel 0 lies outside \[-10, 10\]/));
  assert.throws(() => getSymmetricQParams([1, 2], { axis: 2 ** 32 }), typeError(/axis must be between/));
});

test('the module keeps working after every kind of error', () => {
  for (let i = 0; i < 200; i++) {
    assert.throws(() => getSymmetricQParams([1, NaN]));
    assert.throws(() => getSymmetricQParams([]));
  }
  const qp = getSymmetricQParams([3.0, -5.5, 0.0, 6.0, -6.0, 2.5]);
  assert.deepEqual(Array.from(quantizeTensor([3.0, -5.5, 0.0, 6.0, -6.0, 2.5], qp)), [64, -117, 0, 127, -128, 53]);
});
