// init()'s `simd` option in Node, in a process of its own (node:test isolates files). Node 20
// has no relaxed SIMD, so 'auto' loads the SIMD128 module here; the relaxed-SIMD module itself is
// tested in Chromium (tests/browser/relaxed-simd.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { init, capabilities, QlinearError } from '../../web/qlinear.js';

test('simd: a value that is not a choice is a TypeError, and relaxed where it cannot run a QlinearError', async () => {
  await assert.rejects(init({ simd: 'fast' }), (e) => e instanceof TypeError && /simd must be one of 'auto', 'relaxed', 'simd128'/.test(e.message));
  await assert.rejects(init({ simd: 'relaxed' }),
    (e) => e instanceof QlinearError && /does not run relaxed SIMD's i32x4\.relaxed_dot_i8x16_i7x16_add_s/.test(e.message));
});

test("simd: 'simd128' loads the SIMD128 module, and capabilities() says so", async () => {
  await init({ simd: 'simd128' });
  assert.equal(capabilities().build.kernels, 'wasm-simd128');
});

test('relaxed SIMD that validates but computes the dot wrong (Node 20 with its flag) gets the SIMD128 module', () => {
  // Node 20's --experimental-wasm-relaxed-simd validates the relaxed module, but its baseline
  // compiler returns 2·(4ab) for the probe's 4ab + c. Where a later Node computes it right, the
  // relaxed module must be the one chosen instead.
  const script = `
    import { readFileSync } from 'node:fs';
    import { init, capabilities } from ${JSON.stringify(new URL('../../web/qlinear.js', import.meta.url).href)};
    import { relaxedSimdWorks } from ${JSON.stringify(new URL('../../web/lib/runtime.js', import.meta.url).href)};
    const validates = WebAssembly.validate(readFileSync(new URL(${JSON.stringify(new URL('../../web/dist/qlinear_wasm_relaxed.wasm', import.meta.url).href)})));
    await init();
    console.log(JSON.stringify({ validates, works: relaxedSimdWorks(), kernels: capabilities().build.kernels }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.equal(out.validates, true);
  assert.equal(out.kernels, out.works ? 'wasm-relaxed-simd' : 'wasm-simd128');
  if (process.versions.node.startsWith('20.')) assert.equal(out.works, false, 'Node 20 computes the relaxed dot wrong');
});
