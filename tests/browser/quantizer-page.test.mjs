// The demo page in real Chromium: the numbers it shows are PyTorch's (from the fixtures), bad
// input shows a readable error, and the page keeps working afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { openBrowser, openReadyPage, ARTIFACTS } from './browser.mjs';
import { fixtures, acceptedCases } from '../js/fixtures.mjs';

let session;
let page;
const problems = [];

before(async () => {
  session = await openBrowser();
  page = await openReadyPage(session, 'quantizer.html', problems);
});

after(async () => {
  await session?.close();
});

function findCase(input, { granularity = 'per_tensor', symmetric, dtype = 'qint8', reduceRange = false, range = 'full' }) {
  const c = acceptedCases.find((k) => k.input === input && k.granularity === granularity && k.symmetric === symmetric &&
    k.dtype === dtype && k.reduce_range === reduceRange && k.range === range);
  assert.ok(c, `fixture for ${input}`);
  return c;
}

async function setInputs(c) {
  const input = fixtures.inputs[c.input];
  await page.fill('#values', input.values.map(String).join(', '));
  await page.fill('#shape', input.shape.join(', '));
  await page.check(`input[name=scheme][value=${c.symmetric ? 'symmetric' : 'asymmetric'}]`);
  await page.check(`input[name=granularity][value=${c.granularity}]`);
  if (c.granularity === 'per_channel') await page.fill('#axis', String(c.axis));
  await page.selectOption('#dtype', c.dtype);
  await page.selectOption('#range', c.range);
  await page.setChecked('#reduce-range', c.reduce_range);
}

async function shownNumbers() {
  const cells = (selector) => page.$$eval(selector, (rows) =>
    rows.map((tr) => Array.from(tr.children, (td) => td.dataset.value ?? td.textContent)));
  const qparams = await cells('#qparams-table tbody tr');
  const values = await cells('#values-table tbody tr');
  return {
    scale: qparams.map((r) => r[1]),
    zeroPoint: qparams.map((r) => Number(r[2])),
    q: values.map((r) => Number(r[3])),
    dq: values.map((r) => r[4]),
  };
}

const CASES = [
  ['tutorial_6', { symmetric: true }],
  ['tutorial_6', { symmetric: false }],
  ['tutorial_4', { symmetric: false, dtype: 'quint8' }],
  ['tutorial_8', { symmetric: true, range: 'restricted' }],
  ['tutorial_8', { symmetric: false, dtype: 'quint8', reduceRange: true }],
  ['round_half_even_ties', { symmetric: true }],
  ['matrix_6x10_axis0', { granularity: 'per_channel', symmetric: false }],
  ['tensor_2x3x4_axis2', { granularity: 'per_channel', symmetric: true, reduceRange: true }],
];

for (const [input, options] of CASES) {
  test(`page shows PyTorch's numbers: ${input} ${JSON.stringify(options)}`, async () => {
    const c = findCase(input, options);
    await setInputs(c);
    const shown = await shownNumbers();
    assert.deepEqual(shown.scale, c.scale.map(String), 'scale (shortest round-trip of the float32)');
    assert.deepEqual(shown.zeroPoint, c.zero_point);
    assert.deepEqual(shown.q, c.q);
    assert.deepEqual(shown.dq, c.dq.map(String));
    assert.equal(await page.isVisible('#error'), false);
  });
}

test('the tutorial preset buttons restore the tutorial vector', async () => {
  await page.click('[data-preset=tutorial_8]');
  assert.equal(await page.inputValue('#values'), '3.0, -5.5, 0.0, 8.0, -6.0, 2.5');
  await page.check('input[name=scheme][value=symmetric]');
  await page.check('input[name=granularity][value=per_tensor]');
  await page.selectOption('#dtype', 'qint8');
  await page.selectOption('#range', 'full');
  await page.setChecked('#reduce-range', false);
  const shown = await shownNumbers();
  assert.deepEqual(shown.q, findCase('tutorial_8', { symmetric: true }).q);
  await page.screenshot({ path: new URL('demo-tutorial.png', ARTIFACTS).pathname, fullPage: true });
});

test('bad input shows a readable error and the page recovers', async () => {
  await page.fill('#shape', '');
  await page.fill('#values', '1.0, nan, 2.0');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /NaN at index 1/);
  await page.screenshot({ path: new URL('demo-error.png', ARTIFACTS).pathname, fullPage: true });

  await page.fill('#values', '1, 2, 3');
  await page.fill('#shape', '2, 2');
  assert.match(await page.textContent('#error'), /shape \[2, 2\] has 4 elements but 3 values were given/);
  await page.fill('#values', 'one, two');
  assert.match(await page.textContent('#error'), /'one' is not a number/);

  await page.fill('#shape', '');
  await page.click('[data-preset=tutorial_6]');
  await page.waitForSelector('#error', { state: 'hidden' });
  assert.equal((await shownNumbers()).q.length, 6);
});

test('no uncaught errors or console errors in the page', () => {
  assert.deepEqual(problems, []);
});
