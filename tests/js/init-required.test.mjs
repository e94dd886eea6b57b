// Runs in its own process (node:test isolates files), before anyone called init().
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { init, getSymmetricQParams, QlinearError } from '../../web/package/qlinear.js';

test('calling qlinear before init() says what to do', () => {
  assert.throws(() => getSymmetricQParams([1]), (e) => e instanceof QlinearError && /call `await init\(\)` first/.test(e.message));
});

test('init() resolves once, to the same promise, with the version', async () => {
  const first = init();
  assert.equal(init(), first);
  const { version } = await first;
  assert.match(version, /^\d+\.\d+\.\d+$/);
  assert.equal(getSymmetricQParams([1]).scale.length, 1);
});

test('init() rejects unknown options', async () => {
  await assert.rejects(init({ wasmURL: 'x' }), (e) => e instanceof TypeError && /unknown option 'wasmURL'/.test(e.message));
});
