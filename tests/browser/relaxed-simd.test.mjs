// The relaxed-SIMD module (web/package/dist/qlinear_wasm_relaxed.wasm, W8A8 tiles on
// i32x4.relaxed_dot_i8x16_i7x16_add_s) in real Chromium, against the SIMD128 module in another
// page of the same browser: every forward mode, on the odd shapes of the kernel tests, must give
// the same float32 bits. The kernels themselves are checked bit for bit against the scalar
// reference by the Catch2 suite (ctest: the SIMD128 build, and the relaxed one under Node 20's
// flag with its optimizing compiler only); this is the packaged module, in the browser that
// loads it, through the public API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { openBrowser, newPage } from './browser.mjs';

let session;
const problems = [];

before(async () => {
  session = await openBrowser();
});

after(async () => {
  await session?.close();
});

// Runs in the page: loads qlinear with the given `simd` choice, then for every shape and mode
// returns an FNV-1a hash of the output's float32 bits (and the first value, for messages).
async function forwardHashes({ simd, sizes, batches }) {
  const q = await import('/package/qlinear.js');
  await q.init({ simd, threads: 1 }); // the single-threaded modules (the page is isolated: the default could be more)
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const values = (n, scale) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
  const hash = (floats) => {
    let h = 0x811c9dc5;
    for (const word of new Uint32Array(floats.buffer, floats.byteOffset, floats.length))
      for (let shift = 0; shift < 32; shift += 8) h = Math.imul(h ^ ((word >>> shift) & 0xff), 0x01000193);
    return (h >>> 0).toString(16);
  };
  const modes = {
    'dynamic, symmetric qint8': { mode: 'dynamic' },
    'dynamic, affine quint8': { mode: 'dynamic', symmetric: false, dtype: 'quint8' },
    'dynamic, pytorch activations': { mode: 'dynamic', activations: 'pytorch' },
    'llm-int8': { mode: 'llm-int8' },
    'weight-only': { mode: 'weight-only' },
  };
  const results = {};
  // Every pair of sizes, and rows of a page or more (the batch-1 kernel touches no rows ahead there).
  const shapes = [...sizes.flatMap((k) => sizes.map((n) => [k, n])), [4096, 9], [4100, 7]];
  for (const [k, n] of shapes) {
    const linear = new q.Linear({ inFeatures: k, outFeatures: n, weight: values(k * n, 1 / Math.sqrt(k)), bias: values(n, 0.1) });
    for (const [name, options] of Object.entries(modes)) {
      const layer = q.QuantLinear.fromLinear(linear, options);
      for (const batch of batches) {
        const x = values(batch * k, 2);
        if (k > 3) x[3] = 9; // one outlier column for llm-int8 (and a wide row range for the rest)
        const y = layer.forward(x, batch);
        results[`${name}, K ${k}, N ${n}, batch ${batch}`] = `${hash(y)} (y[0] ${y[0]})`;
      }
      layer.dispose();
    }
    linear.dispose();
  }
  return { kernels: q.capabilities().build.kernels, results };
}

const sizes = [1, 3, 15, 17, 33, 255, 1000];
const batches = [1, 2, 3, 4, 5, 64];

test('the relaxed-SIMD module gives the SIMD128 module\'s outputs bit for bit, in every mode and odd shape', async () => {
  const run = async (simd) => {
    const page = await newPage(session.browser, problems);
    await page.goto(session.url);
    const out = await page.evaluate(forwardHashes, { simd, sizes, batches });
    await page.close();
    return out;
  };
  const simd128 = await run('simd128');
  const relaxed = await run('relaxed');
  assert.equal(simd128.kernels, 'wasm-simd128');
  assert.equal(relaxed.kernels, 'wasm-relaxed-simd');
  assert.equal(Object.keys(relaxed.results).length, (sizes.length ** 2 + 2) * batches.length * 5);
  const differing = Object.keys(simd128.results).filter((key) => simd128.results[key] !== relaxed.results[key]);
  assert.deepEqual(differing.slice(0, 10).map((key) => `${key}: ${simd128.results[key]} vs ${relaxed.results[key]}`), []);
  assert.deepEqual(problems, []);
});

test('init() with one thread picks the relaxed-SIMD module where the dot is one instruction, and says why', async () => {
  const page = await newPage(session.browser, problems);
  await page.goto(session.url);
  const { caps, outOfRange } = await page.evaluate(async () => {
    const q = await import('/package/qlinear.js');
    await q.init({ threads: 1 });
    // The probe's module: lane 3 of relaxed_dot(splat 127, splat 255, splat 5), where 255 is out
    // of the i7 range and the engine's lowering shows.
    const { RELAXED_DOT_PROBE } = await import('/package/lib/loader.js');
    const { dot } = new WebAssembly.Instance(new WebAssembly.Module(RELAXED_DOT_PROBE)).exports;
    return { caps: q.capabilities(), outOfRange: dot(127, 255, 5) };
  });
  await page.close();
  // vpdpbusd (AVX-VNNI), pmaddubsw + pmaddwd (i16 saturation), or the operand taken as signed.
  assert.ok([4 * 127 * 255 + 5, 2 * 32767 + 5, 4 * 127 * -1 + 5].includes(outOfRange), String(outOfRange));
  const oneInstruction = outOfRange === 4 * 127 * 255 + 5;
  assert.deepEqual(caps.relaxedSimd, { works: true, oneInstructionDot: oneInstruction });
  assert.equal(caps.build.kernels, oneInstruction ? 'wasm-relaxed-simd' : 'wasm-simd128');
  assert.deepEqual(problems, []);
});
