// PyTorch-style observers through the JS API: defaults, running min/max, disposal.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { init, MinMaxObserver, PerChannelMinMaxObserver, QlinearError } from '../../web/package/qlinear.js';
import { fixtures, float32Bits } from './fixtures.mjs';

await init();

test("defaults are PyTorch's (quint8, affine) and an unfed observer returns scale 1, zero point 0", () => {
  const observer = new MinMaxObserver();
  const qp = observer.calculate_qparams();
  assert.equal(qp.dtype, 'quint8');
  assert.equal(qp.scheme, 'per_tensor_affine');
  assert.deepEqual(Array.from(qp.scale), fixtures.observer_without_data.MinMaxObserver.scale);
  assert.deepEqual(Array.from(qp.zeroPoint), fixtures.observer_without_data.MinMaxObserver.zero_point);
  assert.equal(observer.hasObserved, false);
  observer.dispose();
  const perChannel = new PerChannelMinMaxObserver();
  assert.equal(perChannel.calculateQParams().scheme, 'per_channel_affine');
  // A flat array needs its shape: without one PyTorch would make every element a channel.
  assert.throws(() => perChannel.forward([1, 2, 3, 4]), /pass \{ shape \} \(e\.g\. \[out, in\]\)/);
  perChannel.forward([1, 2, 3, 4], { shape: [2, 2] });
  assert.deepEqual(Array.from(perChannel.calculateQParams().scale).length, 2);
  // Empty input is refused (PyTorch returns it unchanged and keeps scale 1, zero point 0): README, Numerics.
  const empty = new MinMaxObserver();
  assert.throws(() => empty.forward([]), QlinearError);
  empty.dispose();
  perChannel.dispose();
});

test('running min/max over several forward() calls matches PyTorch', () => {
  for (const r of fixtures.running_min_max) {
    const observer = new MinMaxObserver({ dtype: r.dtype, qscheme: r.symmetric ? 'per_tensor_symmetric' : 'per_tensor_affine' });
    for (const chunk of r.chunks) {
      const values = fixtures.inputs[chunk].values;
      assert.equal(observer.forward(values), values, 'forward returns its input, as in PyTorch');
    }
    const qp = observer.calculateQParams();
    assert.deepEqual(float32Bits(qp.scale), float32Bits(r.scale));
    assert.deepEqual(Array.from(qp.zeroPoint), r.zero_point);
    observer.dispose();
  }
});

test('per-channel observer with a shape and a channel axis', () => {
  const observer = new PerChannelMinMaxObserver({ dtype: 'qint8', qscheme: 'per_channel_symmetric', chAxis: 1 });
  observer.forward([1, -2, 3, 4, 5, -6], { shape: [2, 3] });
  const qp = observer.calculateQParams();
  assert.equal(qp.axis, 1);
  assert.deepEqual(Array.from(qp.scale), [4, 5, 6].map((m) => Math.fround(m / 127.5)));
  assert.throws(() => observer.forward([1, 2, 3, 4], { shape: [2, 2] }), (e) => e instanceof QlinearError && /has seen 3 channels/.test(e.message));
  observer.dispose();
});

test('a failed forward() leaves the observer as it was', () => {
  const observer = new MinMaxObserver({ dtype: 'qint8' });
  observer.forward([-1, 2]);
  assert.throws(() => observer.forward([100, NaN]), QlinearError);
  assert.equal(observer.maxVal, 2);
  observer.dispose();
});

test('bad options are refused before any wasm object exists', () => {
  assert.throws(() => new MinMaxObserver({ qscheme: 'per_channel_affine' }), (e) => e instanceof QlinearError && /use PerChannelMinMaxObserver/.test(e.message));
  assert.throws(() => new PerChannelMinMaxObserver({ qscheme: 'per_tensor_affine' }), (e) => e instanceof QlinearError && /use MinMaxObserver/.test(e.message));
  assert.throws(() => new MinMaxObserver({ ch_axis: 1 }), TypeError);
});

test('dispose() frees the observer; using it afterwards is a clear error; dispose twice is fine', () => {
  const observer = new MinMaxObserver();
  observer.dispose();
  observer.dispose();
  assert.throws(() => observer.calculateQParams(), (e) => e instanceof QlinearError && /was disposed/.test(e.message));
  const scoped = new MinMaxObserver();
  scoped[Symbol.dispose](); // what a `using` declaration calls
  assert.throws(() => scoped.hasObserved, /was disposed/);
});
