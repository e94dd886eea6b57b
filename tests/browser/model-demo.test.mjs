// The model demo in real Chromium: load the sample, quantize in the worker, and check that the
// accuracy and predictions the page shows are what Node computes with the same package; drag
// and drop a PyTorch file; export and load the export back; a bad file gives a readable error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openBrowser, openReadyPage, ARTIFACTS } from './browser.mjs';
import { init, loadModel } from '../../web/package/qlinear.js';
import { fashionMnistTestSet, accuracy } from '../js/fashion-mnist.mjs';

const root = new URL('../../', import.meta.url);
const sampleBytes = readFileSync(new URL('web/demo/models/fashion_mnist_mlp.safetensors', root));
const work = mkdtempSync(join(tmpdir(), 'qlinear-demo-'));
let session, page;
const problems = [];

before(async () => {
  await init();
  session = await openBrowser();
  page = await openReadyPage(session, 'index.html', problems);
});

test('the page says which build its worker loaded: threaded on every core up to 4 (the server isolates it), else the relaxed-SIMD one where its dot is one instruction', async () => {
  const { oneInstruction, cores } = await page.evaluate(async () => ({
    oneInstruction: (await import('/package/lib/loader.js')).relaxedDotIsFast(),
    cores: navigator.hardwareConcurrency,
  }));
  const threads = Math.min(4, cores);
  const status = await page.textContent('#status');
  if (threads > 1) {
    assert.match(status, /is ready: WebAssembly SIMD128, in a worker,/);
    assert.match(status, new RegExp(`cross-origin isolated, int8 kernels on ${threads} threads\\.$`));
  } else {
    assert.match(status, oneInstruction ? /is ready: WebAssembly SIMD128 with relaxed SIMD's int8 dot, in a worker,/ : /is ready: WebAssembly SIMD128, in a worker,/);
  }
});

after(async () => {
  await session?.close();
});

const shot = (name) => page.screenshot({ path: new URL(name, ARTIFACTS).pathname, fullPage: true });
const tensorRows = () => page.$$eval('#tensor-table tbody tr', (rows) => rows.map((r) => Array.from(r.children, (td) => td.textContent)));

test('the sample loads and its tensors are listed', async () => {
  await page.click('#load-sample');
  await page.waitForFunction(() => document.querySelector('#load-status').textContent.includes('3 layers'));
  assert.match(await page.textContent('#load-status'), /6 tensors, 941\.2 kB; 3 layers \(784 → 256 → 128 → 10\)/);
  assert.deepEqual((await tensorRows())[0], ['0.weight', 'F32', '[256, 784]', '802,816', '']);
  await page.waitForFunction(() => document.querySelector('#status').textContent.includes('10,000 Fashion-MNIST test images'));
  await shot('demo-model-loaded.png');
});

test('quantizing in the page shows the accuracy and predictions Node computes', async () => {
  await page.click('[data-layer="4"].chip'); // keep the output layer in fp32
  await page.check('input[name=mode][value=dynamic]');
  await page.click('#quantize');
  await page.waitForSelector('body[data-quantized=true]', { timeout: 120_000 });
  await page.waitForFunction(() => document.querySelector('#fp32-prediction').dataset.class !== undefined);

  const model = loadModel(sampleBytes);
  const int8 = model.quantize({ symmetric: true, perChannel: true, mode: 'dynamic' }, ['4']);
  const set = fashionMnistTestSet();
  const shown = await page.$eval('#accuracy-summary', (el) => ({ ...el.dataset }));
  assert.equal(Number(shown.fp32), accuracy(model.forward(set.pixels, set.count), set.labels, 10));
  assert.equal(Number(shown.int8), accuracy(int8.forward(set.pixels, set.count), set.labels, 10));
  const argmax = (y) => y.indexOf(Math.max(...y));
  const first = set.pixels.subarray(0, 784);
  assert.equal(Number(await page.$eval('#fp32-prediction', (el) => el.dataset.class)), argmax(Array.from(model.forward(first, 1))));
  assert.equal(Number(await page.$eval('#int8-prediction', (el) => el.dataset.class)), argmax(Array.from(int8.forward(first, 1))));
  const layerRows = await page.$$eval('#layer-table tbody tr', (rows) => rows.map((r) => Array.from(r.children, (td) => td.textContent)));
  assert.deepEqual(layerRows.map((r) => [r[0], r[2], r[4]]), [['0', 'qint8', 'dynamic'], ['2', 'qint8', 'dynamic'], ['4', 'fp32', '—']]);
  assert.equal(await page.$eval('#histogram', (el) => el.dataset.layer), '0');
  await page.click('#layer-table tbody tr[data-layer="2"]');
  await page.waitForFunction(() => document.querySelector('#histogram').dataset.layer === '2');
  await page.click('#next-image');
  await page.waitForFunction(() => document.querySelector('#image-index').value === '1');
  await shot('demo-model-quantized.png');
  for (const m of [model, int8]) m.dispose();
});

test('the exported file downloads, equals what Node saves, and loads back into the page', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  assert.equal(download.suggestedFilename(), 'fashion_mnist_mlp.int8.safetensors');
  const path = join(work, download.suggestedFilename());
  await download.saveAs(path);
  const model = loadModel(sampleBytes);
  const expected = model.quantize({ symmetric: true, perChannel: true, mode: 'dynamic' }, ['4']);
  assert.deepEqual(readFileSync(path), Buffer.from(expected.save()), 'byte for byte');
  await page.setInputFiles('#file-input', path);
  await page.waitForFunction(() => document.querySelector('#load-status').textContent.startsWith('fashion_mnist_mlp.int8.safetensors'));
  assert.equal(await page.$eval('#file-input', (el) => el.value), '', 'the input is cleared: the same file picked again loads again');
  const rows = await tensorRows();
  assert.deepEqual(rows[0], ['0.weight', 'I8', '[256, 784]', '200,704', 'qint8 per_channel_symmetric dynamic']);
  assert.equal(rows.find((r) => r[0] === '4.weight')[1], 'F32');
  // Quantizing the int8 file again (here as affine per tensor) is refused, not silently ignored.
  await page.check('input[name=scheme][value=affine]');
  await page.check('input[name=granularity][value=per-tensor]');
  await page.click('#quantize');
  await page.waitForSelector('#load-error:not([hidden])');
  assert.match(await page.textContent('#load-error'), /Quantization failed: layer '0' is int8 already .*Quantize the fp32 checkpoint/);
  await page.check('input[name=scheme][value=symmetric]');
  await page.check('input[name=granularity][value=per-channel]');
  for (const m of [model, expected]) m.dispose();
});

test('static and LLM.int8() modes in the page: calibrated on held-out images, outlier columns shown', async () => {
  await page.click('#load-sample');
  await page.waitForFunction(() => document.querySelector('#load-status').textContent.startsWith('fashion_mnist_mlp.safetensors:'));
  await page.check('input[name=mode][value=static]');
  assert.ok(await page.isVisible('#observer-setting'));
  assert.ok(!(await page.isVisible('#threshold-setting')));
  await page.selectOption('#observer', 'histogram'); // PyTorch's default qconfigs' observer
  await page.click('#quantize');
  await page.waitForSelector('body[data-quantized=true]', { timeout: 120_000 });

  // Node, the same way: calibrate on the last 256 test images, evaluate the other 9,744.
  const set = fashionMnistTestSet();
  const model = loadModel(sampleBytes);
  const prepared = model.prepare({ observer: 'histogram' });
  const held = set.count - 256;
  for (let r = held; r < set.count; r += 32) prepared.forward(set.pixels.subarray(r * 784, (r + 32) * 784), 32);
  const staticModel = prepared.convert({ symmetric: true, perChannel: true });
  const evaluated = set.pixels.subarray(0, held * 784);
  assert.match(await page.textContent('#accuracy-label'), /9,744 images/);
  let shown = await page.$eval('#accuracy-summary', (el) => ({ ...el.dataset }));
  assert.equal(Number(shown.int8), accuracy(staticModel.forward(evaluated, held), set.labels.subarray(0, held), 10));
  let modes = await page.$$eval('#layer-table tbody tr', (rows) => rows.map((r) => r.children[4].textContent));
  assert.ok(modes.every((m) => /^static: input s=[\d.e-]+ z=\d+$/.test(m)), modes.join(' | '));

  await page.check('input[name=mode][value=llm-int8]');
  assert.ok(await page.isVisible('#threshold-setting'));
  await page.fill('#outlier-threshold', '2');
  await page.click('#quantize');
  await page.waitForSelector('body[data-quantized=true]', { timeout: 120_000 });
  const llm = model.quantize({ symmetric: true, perChannel: true, mode: 'llm-int8', outlierThreshold: 2 });
  shown = await page.$eval('#accuracy-summary', (el) => ({ ...el.dataset }));
  assert.equal(Number(shown.int8), accuracy(llm.forward(set.pixels, set.count), set.labels, 10));
  modes = await page.$$eval('#layer-table tbody tr', (rows) => rows.map((r) => r.children[4].textContent));
  assert.match(modes[0], /^llm-int8: 0\/784 cols \|x\| ≥ 2 in fp32$/); // pixels are in [0, 1]
  assert.match(modes[1], /^llm-int8: \d+\/256 cols \|x\| ≥ 2 in fp32$/);
  await shot('demo-model-llm-int8.png');
  for (const m of [model, prepared, staticModel, llm]) m.dispose();
});

test('a file dropped on the page loads (a PyTorch F16 checkpoint)', async () => {
  const bytes = readFileSync(new URL('tests/fixtures/safetensors/sequential_f16.safetensors', root));
  await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], 'sequential_f16.safetensors'));
    document.querySelector('#drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, bytes.toString('base64'));
  await page.waitForFunction(() => document.querySelector('#load-status').textContent.startsWith('sequential_f16'));
  assert.deepEqual((await tensorRows()).map((r) => r[1]), ['F16', 'F16', 'F16', 'F16', 'F16', 'F16']);
  // Static mode without a matching test set calibrates on synthetic inputs.
  await page.check('input[name=mode][value=static]');
  await page.click('#quantize');
  await page.waitForSelector('body[data-quantized=true]');
  assert.match(await page.textContent('#progress-label'), /^done/);
  const modes = await page.$$eval('#layer-table tbody tr', (rows) => rows.map((r) => r.children[4].textContent));
  assert.ok(modes.length > 0 && modes.every((m) => m.startsWith('static: input s=')), modes.join(' | '));
  assert.equal(await page.isVisible('#accuracy-card'), false, 'no test set for a 16-input model');
});

test('a bad file shows a readable error and the page keeps working', async () => {
  await page.setInputFiles('#file-input', { name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: sampleBytes.subarray(0, 500) });
  await page.waitForSelector('#load-error:not([hidden])');
  assert.match(await page.textContent('#load-error'), /Could not load broken\.safetensors: header length 616 runs past the end of the 500-byte file/);
  await shot('demo-model-error.png');
  await page.click('#load-sample');
  await page.waitForFunction(() => document.querySelector('#load-status').textContent.startsWith('fashion_mnist_mlp.safetensors'));
  assert.equal(await page.isVisible('#load-error'), false);
});

test('no uncaught errors or console errors in the page', () => {
  assert.deepEqual(problems, []);
});
