// init({ wasmBinary }) in a process of its own: the bytes are used as given, no file is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { init, getSymmetricQParams } from '../../web/package/qlinear.js';

test('init({ wasmBinary }) instantiates the module from the given bytes', async () => {
  const wasmBinary = readFileSync(new URL('../../web/package/dist/qlinear_wasm.wasm', import.meta.url));
  await init({ wasmBinary });
  assert.equal(getSymmetricQParams([3.0, -5.5, 0.0, 6.0, -6.0, 2.5]).scale[0], Math.fround(6 / 127.5));
});
