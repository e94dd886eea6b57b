// init()'s `simd` option in Node, in a process of its own (node:test isolates files). Node 20
// has no relaxed SIMD without a flag, so 'auto' loads the SIMD128 module there; the relaxed-SIMD
// module itself is tested in Chromium (tests/browser/relaxed-simd.test.mjs) and by ctest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { init, capabilities, QlinearError } from '../../web/package/qlinear.js';
import { relaxedSimdWorks, relaxedDotIsFast, RELAXED_DOT_PROBE } from '../../web/package/lib/loader.js';

const works = relaxedSimdWorks();
const fast = relaxedDotIsFast();
const relaxedWasm = new URL('../../web/package/dist/qlinear_wasm_relaxed.wasm', import.meta.url);

test('simd: a value that is not a choice is a TypeError, and relaxed where it cannot run a QlinearError', async () => {
  await assert.rejects(init({ simd: 'fast' }), (e) => e instanceof TypeError && /simd must be one of 'auto', 'relaxed', 'simd128'/.test(e.message));
  if (!works)
    await assert.rejects(init({ simd: 'relaxed' }),
      (e) => e instanceof QlinearError && /does not run relaxed SIMD's i32x4\.relaxed_dot_i8x16_i7x16_add_s/.test(e.message));
});

test("simd: 'simd128' loads the SIMD128 module, and capabilities() says so; init() again accepts the same choice", async () => {
  await init({ simd: 'simd128' });
  assert.equal(capabilities().build.kernels, 'wasm-simd128');
  assert.deepEqual(capabilities().relaxedSimd, { works, oneInstructionDot: fast });
  await init();
  await init({ simd: 'simd128' });
  if (fast) {
    await assert.rejects(init({ simd: 'auto' }), (e) => e instanceof QlinearError && /already initialised with other options/.test(e.message));
  } else {
    await init({ simd: 'auto' }); // picks the SIMD128 module here too
  }
});

// A child Node with relaxed SIMD on: Node 20 needs --experimental-wasm-relaxed-simd (and then
// validates it, but its baseline compiler returns 2·(4ab) for the probe's 4ab + c); Node 21+ has
// it on by default and no longer knows the flag.
const relaxedFlags = WebAssembly.validate(RELAXED_DOT_PROBE) ? [] : ['--experimental-wasm-relaxed-simd'];
function childWithRelaxedFlag(body) {
  const script = `
    import { init, capabilities, QlinearError } from ${JSON.stringify(new URL('../../web/package/qlinear.js', import.meta.url).href)};
    import { relaxedSimdWorks, relaxedDotIsFast } from ${JSON.stringify(new URL('../../web/package/lib/loader.js', import.meta.url).href)};
    ${body}`;
  return JSON.parse(execFileSync(process.execPath, [...relaxedFlags, '--input-type=module', '-e', script], { encoding: 'utf8' }));
}

test('with relaxed SIMD on, auto takes the relaxed module only where the dot is right and one instruction (Node 20 with its flag: wrong)', () => {
  const out = childWithRelaxedFlag(`
    const validates = WebAssembly.validate(new Uint8Array(await (await import('node:fs/promises')).readFile(new URL(${JSON.stringify(relaxedWasm.href)}))));
    await init();
    console.log(JSON.stringify({ validates, works: relaxedSimdWorks(), fast: relaxedDotIsFast(), kernels: capabilities().build.kernels }));`);
  assert.equal(out.validates, true);
  assert.equal(out.kernels, out.works && out.fast ? 'wasm-relaxed-simd' : 'wasm-simd128');
  if (process.versions.node.startsWith('20.')) assert.equal(out.works, false, 'Node 20 computes the relaxed dot wrong');
});

test('a wasmUrl naming the relaxed-SIMD module where it would compute wrong is refused, not loaded', () => {
  const out = childWithRelaxedFlag(`
    let error = null;
    try { await init({ wasmUrl: new URL(${JSON.stringify(relaxedWasm.href)}) }); } catch (e) { error = { qlinear: e instanceof QlinearError, message: e.message }; }
    console.log(JSON.stringify({ works: relaxedSimdWorks(), error }));`);
  if (out.works) {
    assert.equal(out.error, null);
  } else {
    assert.equal(out.error?.qlinear, true, JSON.stringify(out.error));
    assert.match(out.error.message, /is the relaxed-SIMD build \(qlinear_wasm_relaxed\.wasm\), which this engine does not run/);
  }
});
