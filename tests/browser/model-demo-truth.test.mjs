// What the model demo must not get wrong, in real Chromium: accuracy with the checkpoint's own
// preprocessing (checked against the JS API), common PyTorch layouts without a spec (BatchNorm1d
// folded, outputs equal to PyTorch's), a spec box that says when it is in force and clears,
// re-picking a file, a .pt file, timings of every forward mode, and panels that fit at 360 px
// and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openBrowser, openReadyPage, ARTIFACTS } from './browser.mjs';
import { init, loadModel, normalizeInputs } from '../../web/package/qlinear.js';
import { fashionMnistTestSet, accuracy } from '../js/fashion-mnist.mjs';

const root = new URL('../../', import.meta.url);
const fixture = (name) => new URL(`tests/fixtures/safetensors/${name}`, root).pathname;
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'qlinear-demo-truth-'));
let session, page;
const problems = [];

before(async () => {
  await init();
  session = await openBrowser();
  page = await openReadyPage(session, 'index.html', problems);
});

after(async () => {
  await session?.close();
});

const shot = (name) => page.screenshot({ path: new URL(name, ARTIFACTS).pathname, fullPage: true });

// Waits until the page has finished one more load (or failed it) than before `action`.
async function loaded(action) {
  const before = await page.evaluate(() => Number(document.body.dataset.loads ?? 0));
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.loads ?? 0) > n, before, { timeout: 60_000 });
}

const pick = (path) => loaded(() => page.setInputFiles('#file-input', path));

async function quantize() {
  await page.click('#quantize');
  await page.waitForSelector('body[data-quantized=true]', { timeout: 120_000 });
  await page.waitForSelector('#timing:not([hidden])');
}

// --- safetensors written the way PyTorch users' files are (tensors, optional __metadata__) -----
function readTensors(bytes) {
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
  const tensors = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = t.data_offsets;
    tensors[name] = { shape: t.shape, values: new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + n + a, bytes.byteOffset + 8 + n + b)) };
  }
  return tensors;
}

function writeSafetensors(path, tensors, metadata) {
  const header = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.values.byteLength] };
    offset += t.values.byteLength;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(text.length));
  writeFileSync(path, Buffer.concat([length, Buffer.from(text), ...Object.values(tensors).map((t) => Buffer.from(t.values.buffer))]));
}

test("the accuracy card uses the checkpoint's own normalization, as the JS API computes it", async () => {
  // The sample MLP re-trained-as-if on (x − 0.286) / 0.353: its first layer absorbs the inverse, so
  // it is only right when fed normalized pixels. Named so the page cannot recognise the sample.
  const mean = 0.286, std = 0.353;
  const t = readTensors(readFileSync(new URL('web/demo/models/fashion_mnist_mlp.safetensors', root)));
  const w = t['0.weight'].values, b = t['0.bias'].values;
  const w2 = w.map((v) => v * std);
  const b2 = b.map((v, o) => {
    let s = v;
    for (let i = 0; i < 784; i++) s += w[o * 784 + i] * mean;
    return s;
  });
  const path = join(work, 'fmnist_normalized.safetensors');
  writeSafetensors(path, { ...t, '0.weight': { shape: [256, 784], values: w2 }, '0.bias': { shape: [256], values: Float32Array.from(b2) } },
    { format: 'pt', mean: String(mean), std: String(std), note: 'trained on normalized pixels' });

  await pick(path);
  assert.equal(await page.inputValue('#norm-mean'), '0.286');
  assert.equal(await page.inputValue('#norm-std'), '0.353');
  assert.match(await page.textContent('#norm-source'), /From the file's __metadata__ 'mean'/);
  assert.match(await page.textContent('#metadata-table'), /trained on normalized pixels/);
  await page.check('input[name=mode][value=dynamic]');
  await quantize();

  const set = fashionMnistTestSet();
  const model = loadModel(readFileSync(path));
  const int8 = model.quantize({ mode: 'dynamic' });
  const x = normalizeInputs(set.pixels, { mean, std }, 784);
  const shown = await page.$eval('#accuracy-summary', (el) => ({ ...el.dataset }));
  assert.equal(Number(shown.fp32), accuracy(model.forward(x, set.count), set.labels, 10));
  assert.equal(Number(shown.int8), accuracy(int8.forward(x, set.count), set.labels, 10));
  assert.ok(Number(shown.fp32) > 0.8, `a working model scores well on its own preprocessing (${shown.fp32})`);
  assert.ok(accuracy(model.forward(set.pixels, set.count), set.labels, 10) < Number(shown.fp32) - 0.05, 'and worse without it');
  assert.match(await page.textContent('#accuracy-inputs'), /inputs: \(pixel \/ 255 − 0\.286\) \/ 0\.353/);
  assert.match(await page.textContent('#output-label'), /64 test images; inputs: \(pixel \/ 255 − 0\.286\) \/ 0\.353/);

  // The export keeps the file's metadata and records the preprocessing the page used.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const saved = join(work, 'exported.safetensors');
  await download.saveAs(saved);
  const reloaded = loadModel(readFileSync(saved));
  assert.equal(reloaded.metadata.note, 'trained on normalized pixels');
  assert.equal(reloaded.inputNormalization.key, 'qlinear.input_normalization');
  assert.deepEqual(Array.from(reloaded.inputNormalization.mean), [Math.fround(mean)]);
  for (const m of [model, int8, reloaded]) m.dispose();
});

test('every forward mode is timed warm, with medians; one the weights cannot run says why', async () => {
  const rows = await page.$$eval('#timing-table tbody tr', (trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent)));
  assert.deepEqual(rows.map((r) => r[0].replace(' (as quantized)', '')), ['fp32', 'int8 weight-only', 'int8 dynamic', 'int8 llm-int8', 'int8 static']);
  assert.match(rows[2][0], /\(as quantized\)/);
  for (const r of rows.slice(0, 4)) for (const v of r.slice(1)) assert.match(v, /^\d+\.\d µs$/, r.join(' | '));
  assert.match(rows[4][1], /no calibrated input scale for static mode/);
});

test('a wrapped nn.Sequential and named fc1/fc2/fc3 load without a spec; a BatchNorm1d checkpoint loads folded and matches PyTorch', async () => {
  await pick(fixture('wrapped_sequential_f32.safetensors'));
  assert.match(await page.textContent('#load-status'), /3 layers \(16 → 20 → 10 → 4\)/);
  assert.match(await page.textContent('#layout-description'), /nn\.Sequential under 'net': layers net\.0, net\.2, net\.4/);
  await pick(fixture('named_fc_f32.safetensors'));
  assert.match(await page.textContent('#load-status'), /3 layers \(16 → 24 → 24 → 4\)/);
  assert.match(await page.textContent('#layout-description'), /named layers ordered by their shapes: fc1 \(16→24\) → fc2 \(24→24\) → fc3 \(24→4\); the activations are in forward\(\), not in the file: relu/);
  await pick(fixture('named_batchnorm_f32.safetensors'));
  assert.match(await page.textContent('#layout-description'), /BatchNorm1d 'bn1' folded into 'fc1' \(after it\); BatchNorm1d 'bn2' folded into 'fc2'/);
  // The same bytes through the package in this browser give PyTorch's eval-mode outputs.
  const file = expected.files['named_batchnorm_f32.safetensors'];
  const outputs = await page.evaluate(async ({ b64, x }) => {
    const q = await import('/package/qlinear.js');
    await q.init();
    const model = q.loadModel(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
    const y = Array.from(model.forward(Float32Array.from(x), 5));
    model.dispose();
    return y;
  }, { b64: readFileSync(fixture('named_batchnorm_f32.safetensors')).toString('base64'), x: expected.input.values });
  outputs.forEach((v, i) => assert.ok(Math.abs(v - file.output[i]) <= 1e-5 * Math.max(1, Math.abs(file.output[i])), `output ${i}: ${v} vs ${file.output[i]}`));
  await page.check('input[name=mode][value=weight-only]');
  await quantize();
  assert.match(await page.textContent('#no-accuracy'), /this model takes 16 inputs and gives 4 outputs/);
  assert.match(await page.textContent('#output-label'), /64 synthetic inputs: the model does not take the test images/);
});

test('the activation select and "load again" apply to the file on screen', async () => {
  await pick(fixture('named_gelu_f32.safetensors'));
  assert.match(await page.textContent('#layout-description'), /relu between layers/);
  await page.selectOption('#activation', 'gelu');
  await loaded(() => page.click('#reload'));
  assert.match(await page.textContent('#layout-description'), /gelu between layers/);
  await page.selectOption('#activation', 'relu');
});

test('the spec box says it is in force, names itself in errors, and clears; the same file picked twice loads twice', async () => {
  await page.click('#spec-details summary');
  await page.fill('#spec', '{"layers": [{"name": "net.0"}]}');
  assert.match(await page.textContent('#spec-state'), /in use/);
  await loaded(() => page.click('#load-sample'));
  assert.match(await page.textContent('#load-error'),
    /Could not load fashion_mnist_mlp\.safetensors: .*net\.0.* \(loaded with the layer spec in the box: clear it to let qlinear infer the layers\)/);
  await page.click('#clear-spec');
  assert.match(await page.textContent('#spec-state'), /empty: qlinear infers the layers/);
  const path = fixture('sequential_f32.safetensors');
  for (let i = 0; i < 2; i++) {
    await pick(path);
    assert.match(await page.textContent('#load-status'), /^sequential_f32\.safetensors: 6 tensors/, `pick ${i + 1}`);
  }
});

test('a PyTorch .pt file says what it is and how to save safetensors', async () => {
  await pick(new URL('tests/fixtures/not-safetensors/linear.pt', root).pathname);
  const error = await page.textContent('#load-error');
  assert.match(error, /Could not load linear\.pt: not a safetensors file: it looks like a zip archive, the format of PyTorch's torch\.save\(\)/);
  assert.match(error, /save_file\(model\.state_dict\(\), "model\.safetensors"\)/);
});

test('no panel overflows at 360 px or 1280 px', async () => {
  await loaded(() => page.click('#load-sample'));
  await page.check('input[name=mode][value=llm-int8]');
  await quantize();
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(200);
    const overflowing = await page.evaluate(() => {
      const out = [];
      if (document.documentElement.scrollWidth > window.innerWidth) out.push(`page ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
      for (const el of document.querySelectorAll('.panel, .panel fieldset, .card, .row, header, footer'))
        if (el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1) out.push(`${el.id || el.className || el.tagName} ${el.scrollWidth} > ${el.clientWidth}`);
      return out;
    });
    await shot(`demo-model-${width}px.png`);
    assert.deepEqual(overflowing, [], `at ${width} px`);
  }
});

test('no uncaught errors or console errors in the page', () => {
  assert.deepEqual(problems, []);
});
