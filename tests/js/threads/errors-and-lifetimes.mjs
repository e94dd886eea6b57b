// Run by threads.test.mjs as `node errors-and-lifetimes.mjs THREADS`: in the threaded module, bad
// input is a QlinearError naming the problem (its C++ exceptions are JS-emulated) and the module
// stays usable; 1,000 create / forward / dispose cycles leave the heap where it was. Prints one
// JSON line and ends without process.exit(): the parent checks that the process exits by itself.
import { init, capabilities, memory, loadModel, Linear, QuantLinear, QlinearError } from '../../../web/package/qlinear.js';

const threads = Number(process.argv[2]);
await init({ threads });

// Later init() calls: the same module where the options they give agree with it.
const again = {};
for (const [name, options] of Object.entries({ none: {}, sameThreads: { threads }, simd128: { simd: 'simd128' },
  otherThreads: { threads: threads + 1 }, relaxed: { simd: 'relaxed' } }))
  again[name] = await init(options).then(() => 'same module', (e) => `${e.name}: ${e.message}`);

const errors = [];
const expectError = (what, fn) => {
  try {
    fn();
    errors.push({ what, thrown: null });
  } catch (e) {
    errors.push({ what, thrown: e instanceof QlinearError ? 'QlinearError' : e.constructor.name, message: e.message });
  }
};
const weight = Float32Array.from({ length: 1024 * 512 }, (_, i) => Math.sin(i) * 0.05);
const linear = new Linear({ inFeatures: 1024, outFeatures: 512, weight });
const x = Float32Array.from({ length: 64 * 1024 }, (_, i) => Math.cos(i));
expectError('a NaN weight', () => new Linear({ inFeatures: 2, outFeatures: 1, weight: [1, NaN] }));
expectError('an input of the wrong length', () => linear.forward(x.subarray(0, 1000), 1));
const layer = QuantLinear.fromLinear(linear, { mode: 'dynamic' });
expectError('an input with a NaN', () => layer.forward(Float32Array.from(x).fill(NaN, 7, 8), 64));
expectError('a model file that is not one', () => loadModel(new Uint8Array(10)));
const afterErrors = layer.forward(x, 64);

// Cycles of each mode first: the kernels' scratch (per thread, grown the first time a thread takes
// part in a job of that size, which a worker still waking up may leave to the caller) and the io
// buffer are made once.
const cycle = (i) => {
  const l = QuantLinear.fromLinear(linear, { mode: i % 2 ? 'dynamic' : 'weight-only' });
  l.forward(x, 64);
  l.dispose();
};
for (let i = 0; i < 100; ++i) cycle(i);
const before = memory().inUse;
for (let i = 0; i < 1000; ++i) cycle(i);
const after = memory().inUse;
layer.dispose();
linear.dispose();
console.log(JSON.stringify({ threads: capabilities().threads, again, errors, outputLength: afterErrors.length, heapBefore: before, heapAfter: after }));
