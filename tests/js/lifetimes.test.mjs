// Nothing leaks: thousands of create / run / error / dispose cycles leave the wasm heap exactly
// where it started, objects nobody disposed are freed by the FinalizationRegistry safety net,
// and work too large for the heap is refused up front, naming what it needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

import {
  init, memory, Model, Linear, QuantLinear, MinMaxObserver, PerChannelMinMaxObserver, loadModel, inspectSafetensors,
  getSymmetricQParams, quantizeTensor, dequantizeTensor, errorMetrics, QlinearError,
} from '../../web/package/qlinear.js';
import { ioBuffer } from '../../web/package/lib/heap.js'; // internal: Model.forward's heap buffer

await init();

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const file = readFileSync(new URL('../fixtures/safetensors/sequential_f32.safetensors', import.meta.url));
const x = new Float32Array(16 * 3).map((_, i) => Math.sin(i));
const weight = new Float32Array(32 * 16).map((_, i) => Math.cos(i) * 0.1);

// One pass over every kind of object and error; returns nothing that holds wasm memory.
function cycle() {
  const head = new Linear({ inFeatures: 32, outFeatures: 4, weight: weight.subarray(0, 128) });
  const model = new Model([
    { name: 'a', inFeatures: 16, outFeatures: 32, weight, activation: 'relu' },
    { name: 'b', linear: head },
  ]);
  model.forward(x, 3);
  const q = model.quantize({ mode: 'dynamic' }, ['b']);
  q.forward(x, 3);
  q.report({ reference: model, input: x, batch: 3 });
  const back = loadModel(q.save());
  back.forwardEachLayer(x, 3);
  const loaded = loadModel(file);
  inspectSafetensors(file);
  // Errors thrown from inside wasm calls, half-way through their work.
  assert.throws(() => model.forward(x, 2), QlinearError);
  assert.throws(() => q.forward(new Float32Array(48).fill(NaN), 3), QlinearError);
  assert.throws(() => loadModel(file.subarray(0, 300)), QlinearError);
  assert.throws(() => model.quantize({}, ['nope']), QlinearError);
  assert.throws(() => new Model([{ name: 'x', inFeatures: 2, outFeatures: 2, weight: [1, 2, 3, NaN] }]), QlinearError);
  const linear = new Linear({ inFeatures: 16, outFeatures: 32, weight });
  linear.forward(x, 3);
  assert.throws(() => linear.forward(x, 2), QlinearError);
  const ql = QuantLinear.fromLinear(linear, { symmetric: false });
  ql.forward(x, 3);
  assert.throws(() => ql.forward(x.subarray(1), 3), QlinearError);
  const observer = new MinMaxObserver();
  observer.forward(x);
  observer.calculateQParams();
  assert.throws(() => observer.forward([NaN]), QlinearError);
  const perChannel = new PerChannelMinMaxObserver({ chAxis: 1 });
  perChannel.forward(x, { shape: [3, 16] });
  const qp = getSymmetricQParams(x, { perChannel: true, shape: [3, 16] });
  dequantizeTensor(quantizeTensor(x, qp, { shape: [3, 16] }), qp, { shape: [3, 16] });
  for (const o of [head, model, q, back, loaded, linear, ql, observer, perChannel]) o.dispose();
}

// Runs the garbage collector until pending finalizers have freed what they will.
async function settle() {
  let before;
  do {
    before = memory().inUse;
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 5)); // finalizers run between tasks
    }
  } while (memory().inUse !== before);
}

test('2,000 create / run / error / dispose cycles return the heap to its baseline', () => {
  cycle(); // first calls allocate what the runtime keeps for good (Embind type tables, statics)
  const baseline = memory().inUse;
  for (let i = 0; i < 2000; i++) cycle();
  assert.equal(memory().inUse, baseline);
});

test('objects nobody disposed are freed once garbage-collected (FinalizationRegistry)', async () => {
  await settle();
  const baseline = memory().inUse;
  (() => {
    for (let i = 0; i < 200; i++) {
      const model = new Model([{ name: 'a', inFeatures: 16, outFeatures: 32, weight }]);
      model.quantize().forward(x, 3);
      new MinMaxObserver().forward(x);
    }
  })();
  assert.ok(memory().inUse > baseline, 'the abandoned objects hold wasm memory');
  await settle();
  assert.equal(memory().inUse, baseline);
});

test('a model too large for the heap is refused up front, naming the size and the limit', () => {
  const { limit } = memory();
  assert.equal(limit, 2 ** 32 - 2 ** 16, 'the documented 4 GiB maximum (wasm32 less one 64 KiB page)');
  // 2.4 GB (never touched: the pages stay unmapped), copied in and moved: 4.8 GB needed.
  const huge = new Float32Array(600_000_000);
  assert.throws(() => new Linear({ inFeatures: 30_000, outFeatures: 20_000, weight: huge }),
    (e) => e instanceof QlinearError && /a 20000x30000 Linear layer needs about 4577\.6 MiB of WebAssembly memory, but the heap limit is 4095\.9 MiB/.test(e.message));
  const wide = new Model([{ name: 'a', inFeatures: 1, outFeatures: 100_000, weight: new Float32Array(100_000) }]);
  assert.throws(() => wide.forward(new Float32Array(20_000), 20_000),
    (e) => e instanceof QlinearError && /a forward pass of batch 20000 needs about/.test(e.message));
  assert.equal(wide.forward([1], 1).length, 100_000, 'the module keeps working');
  wide.dispose();
  assert.throws(() => loadModel(new Uint8Array(1_600_000_000)), (e) => e instanceof QlinearError && /loading a 1525\.9 MiB file needs about/.test(e.message));
});

test("the forward passes' heap buffer: a size the heap cannot hold is refused, and nothing is left pointing at freed memory", () => {
  const model = new Model([{ name: 'a', inFeatures: 4, outFeatures: 3, weight: Float32Array.from({ length: 12 }, (_, i) => i / 12) }]);
  const x = Float32Array.from([1, -2, 3, 0.5]);
  const expected = model.forward(x, 1); // the buffer exists now
  // Passes requireHeapRoom (counted from malloc's bytes in use) but not the heap itself, whose
  // stack and static data also live under the 4 GiB limit: the allocation fails inside wasm.
  const { inUse, limit } = memory();
  const floats = Math.floor((limit - inUse) / 4) - 262_144;
  assert.throws(() => ioBuffer(floats), (e) => e instanceof QlinearError && /out of WebAssembly memory/.test(e.message));
  // The next calls allocate a fresh buffer: objects made in between are not overwritten.
  const others = Array.from({ length: 20 }, (_, i) =>
    new Model([{ name: `m${i}`, inFeatures: 4, outFeatures: 3, weight: new Float32Array(12).fill(i) }]));
  assert.deepEqual(model.forward(x, 1), expected);
  for (const [i, m] of others.entries()) {
    assert.equal(m.layerCount, 1);
    assert.deepEqual(m.forward(x, 1), Float32Array.from([2.5 * i, 2.5 * i, 2.5 * i]));
    m.dispose();
  }
  model.dispose();
});

test('arrays too large to copy into the heap, and passes whose scratch cannot fit, are QlinearErrors and the module keeps working', () => {
  const huge = new Float32Array(600_000_000); // two copies of 2.4 GB cannot fit the 4 GiB heap
  assert.throws(() => errorMetrics(huge, huge), (e) => e instanceof QlinearError && /out of WebAssembly memory/.test(e.message));
  // 1 → 4096 → 1 at batch 2^18: a 1 MiB input, but 8 GiB of activations in between, more than a
  // 32-bit size_t counts: the core's figure saturates rather than wrapping to a small number.
  const wide = new Model([
    { name: 'a', inFeatures: 1, outFeatures: 4096, weight: new Float32Array(4096) },
    { name: 'b', inFeatures: 4096, outFeatures: 1, weight: new Float32Array(4096) },
  ]);
  assert.throws(() => wide.forward(new Float32Array(2 ** 18), 2 ** 18),
    (e) => e instanceof QlinearError && /a forward pass of batch 262144 needs about 409\d\.\d MiB/.test(e.message));
  assert.equal(wide.forward([2], 1)[0], 0);
  wide.dispose();
});

test('past 2 GiB: objects at heap addresses above 2^31 work (the glue reads pointers as unsigned)', async () => {
  const { Checkpoint } = await import('../../web/package/qlinear.js');
  const { nodeFile } = await import('../../cli/checkpoint.mjs');
  const { wasmModule } = await import('../../web/package/lib/loader.js');
  const x = Float32Array.from([1, -2, 3, 0.5]);
  const weight = Float32Array.from({ length: 12 }, (_, i) => (i - 5) / 7);
  const small = new Model([{ name: 'a', inFeatures: 4, outFeatures: 3, weight }]);
  const expected = [small.forward(x, 1), small.quantize().forward(x, 1)];
  small.dispose();
  const fixture = new URL('../fixtures/checkpoints/gpt2/model.safetensors', import.meta.url).pathname;
  const quantizeGpt2 = () => {
    const file = nodeFile(fixture);
    const checkpoint = Checkpoint.open(file);
    const parts = [];
    checkpoint.quantize(checkpoint.plan(), { format: 'bitsandbytes' }, { write: (b) => parts.push(Buffer.from(b)) });
    checkpoint.dispose();
    return Buffer.concat(parts);
  };
  const before = quantizeGpt2();
  const wasm = wasmModule();
  // 2.25 GiB in three blocks (sbrk takes a signed 32-bit step): what is made next lies above 2^31.
  const fillers = [0, 1, 2].map(() => wasm._malloc(768 * 2 ** 20));
  assert.ok(fillers.every((p) => p !== 0));
  try {
    assert.ok(memory().reserved > 2 ** 31);
    assert.ok(memory().inUse > 3 * 768 * 2 ** 20, `inUse counts past 2 GiB: ${memory().inUse}`);
    const high = new Model([{ name: 'a', inFeatures: 4, outFeatures: 3, weight }]);
    const q = high.quantize();
    assert.deepEqual([high.forward(x, 1), q.forward(x, 1)], expected);
    assert.deepEqual(q.report().layers[0].outFeatures, 3);
    q.dispose();
    high.dispose();
    assert.ok(quantizeGpt2().equals(before), 'a checkpoint read and written through heap addresses above 2 GiB');
  } finally {
    for (const p of fillers) wasm._free(p);
  }
});
