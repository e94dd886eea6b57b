// init() options, in a process of its own (node:test isolates files).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { init, getSymmetricQParams, QlinearError } from '../../web/package/qlinear.js';

const wasmUrl = new URL('../../web/package/dist/qlinear_wasm.wasm', import.meta.url);

test('init({ wasmUrl }) with a file: URL loads the module in Node', async () => {
  await init({ wasmUrl });
  assert.equal(getSymmetricQParams([3.0, -5.5, 0.0, 6.0, -6.0, 2.5]).scale[0], Math.fround(6 / 127.5));
});

test('init() again: same (or no) options are fine, other options are refused, not ignored', async () => {
  await init();
  await init({ wasmUrl });
  await assert.rejects(init({ wasmUrl: 'https://example.invalid/other.wasm' }),
    (e) => e instanceof QlinearError && /already initialised with other options/.test(e.message));
});
