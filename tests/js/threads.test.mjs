// init({ threads }) in Node: the threaded modules (SIMD128 and relaxed SIMD) give the same bits as
// the single-threaded one on every forward mode, reports bad input as it does, frees what it allocates, and lets a script
// end by itself; the option is checked. Each thread count needs its own process (init() loads
// one module per process), so the runs are child processes (tests/js/threads/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { init, QlinearError } from '../../web/package/qlinear.js';
import { threadSupport } from '../../web/package/lib/threads.js';
import { RELAXED_DOT_PROBE, relaxedSimdWorks } from '../../web/package/lib/loader.js';

const run = promisify(execFile);
const script = (name) => fileURLToPath(new URL(`threads/${name}`, import.meta.url));

// A child that must end by itself: a pool worker keeping Node alive would hit the timeout.
async function child(name, threads, { args = [], nodeFlags = [] } = {}) {
  const { stdout } = await run(process.execPath, [...nodeFlags, script(name), String(threads), ...args], { timeout: 60_000 });
  return JSON.parse(stdout);
}

// Node with relaxed SIMD on and computing it right: Node 20 needs --experimental-wasm-relaxed-simd
// (Node 21+ has it on and no longer knows the flag), and its baseline compiler computes the
// relaxed dot wrong, so TurboFan only (--no-liftoff; V8's flags hold for the worker threads too).
const RELAXED_NODE_FLAGS = [...(WebAssembly.validate(RELAXED_DOT_PROBE) ? [] : ['--experimental-wasm-relaxed-simd']), '--no-liftoff'];

test('1, 2 and 3 threads give the same bits on every forward mode, odd shapes from batch 1 to 64', async () => {
  const [one, two, three] = await Promise.all([1, 2, 3].map((t) => child('forward-every-mode.mjs', t)));
  assert.equal(one.build.threads, false, 'threads: 1 loads a single-threaded module');
  assert.match(one.build.exceptions, /-fwasm-exceptions/);
  for (const [result, count] of [[two, 2], [three, 3]]) {
    assert.equal(result.build.threads, true);
    assert.equal(result.build.threadCount, count);
    assert.equal(result.build.kernels, 'wasm-simd128');
    assert.deepEqual(result.threads, { count, possible: true, reason: `${count} threads: init({ threads: ${count} })` });
    assert.equal(Object.keys(result.hashes).length, 48);
    assert.deepEqual(result.hashes, one.hashes, `${count} threads against the single-threaded module`);
  }
});

test('the threaded relaxed-SIMD module gives the bits of the single-threaded SIMD128 one, on 2 and 3 threads', async () => {
  const [one, two, three] = await Promise.all([
    child('forward-every-mode.mjs', 1, { args: ['simd128'] }),
    child('forward-every-mode.mjs', 2, { args: ['relaxed'], nodeFlags: RELAXED_NODE_FLAGS }),
    child('forward-every-mode.mjs', 3, { args: ['relaxed'], nodeFlags: RELAXED_NODE_FLAGS }),
  ]);
  assert.equal(one.build.kernels, 'wasm-simd128');
  for (const [result, count] of [[two, 2], [three, 3]]) {
    assert.equal(result.build.threads, true);
    assert.equal(result.build.threadCount, count);
    assert.equal(result.build.kernels, 'wasm-relaxed-simd');
    assert.equal(Object.keys(result.hashes).length, 48);
    assert.deepEqual(result.hashes, one.hashes, `${count} threads on relaxed SIMD against one on SIMD128`);
  }
});

test("init()'s default is ONNX Runtime Web's, min(4, ceil(cores / 2)) threads, with the same bits", async () => {
  const [byDefault, one] = await Promise.all([child('forward-every-mode.mjs', 'default'), child('forward-every-mode.mjs', 1)]);
  const expected = threadSupport().possible ? Math.min(4, Math.ceil(availableParallelism() / 2)) : 1;
  assert.equal(byDefault.threads.count, expected);
  assert.equal(byDefault.build.threads, expected > 1);
  assert.deepEqual(byDefault.hashes, one.hashes);
});

test('the threaded module reports bad input as QlinearErrors, stays usable, frees its objects and lets Node exit', async () => {
  const result = await child('errors-and-lifetimes.mjs', 2);
  assert.equal(result.threads.count, 2);
  // init() again: options left out or agreeing get the same module; others are refused (Node 20
  // has no relaxed SIMD, so 'relaxed' is refused for that first).
  assert.equal(result.again.none, 'same module');
  assert.equal(result.again.sameThreads, 'same module');
  assert.equal(result.again.simd128, 'same module');
  assert.match(result.again.otherThreads, /^QlinearError: qlinear is already initialised with other options/);
  assert.match(result.again.relaxed, /^QlinearError: /);
  const expected = {
    'a NaN weight': /weight contains NaN at index 1/,
    'an input of the wrong length': /input has 1000 values, but batch 1 x 1024 features needs 1024/,
    'an input with a NaN': /input contains NaN at index 7/,
    'a model file that is not one': /header/,
  };
  assert.deepEqual(result.errors.map((e) => e.what), Object.keys(expected));
  for (const e of result.errors) {
    assert.equal(e.thrown, 'QlinearError', `${e.what}: ${e.message}`);
    assert.match(e.message, expected[e.what]);
  }
  assert.equal(result.outputLength, 64 * 512, 'a forward pass after the errors');
  assert.equal(result.heapAfter, result.heapBefore, '1,000 create / forward / dispose cycles leave the heap where it was');
});

test('init() checks threads before loading anything', async () => {
  for (const threads of [0, 1.5, -2, 65, '2', null])
    await assert.rejects(init({ threads }), (e) => e instanceof TypeError && /threads must be a whole number from 1 to 64/.test(e.message),
      `threads: ${JSON.stringify(threads)}`);
  // Where this Node (without flags: Node 20) does not run relaxed SIMD right, refused before anything loads.
  if (!relaxedSimdWorks())
    await assert.rejects(init({ threads: 2, simd: 'relaxed' }),
      (e) => e instanceof QlinearError && /does not run relaxed SIMD's i32x4\.relaxed_dot_i8x16_i7x16_add_s/.test(e.message));
  await assert.rejects(init({ threads: 2, wasmBinary: new Uint8Array(8) }),
    (e) => e instanceof QlinearError && /wasmUrl and wasmBinary name a single-threaded module/.test(e.message));
});
