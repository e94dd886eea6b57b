// The checkpoint page in real Chromium: a GPT-2-shaped folder and a sharded Llama-shaped
// checkpoint are opened, shown as a module tree, quantized in the worker and saved (through the
// save picker's stream, and through the origin-private file system); the saved bytes are the
// tensors PyTorch computed (tests/fixtures/checkpoints/expected). Bad files give errors naming
// the file and tensor, and a failed run leaves no file behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openBrowser, openReadyPage, ARTIFACTS } from './browser.mjs';

const fixtures = fileURLToPath(new URL('../fixtures/checkpoints/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'qlinear-checkpoint-page-'));
let session, page;
const problems = [];

before(async () => {
  session = await openBrowser();
  page = await openReadyPage(session, 'checkpoint.html', problems);
});

after(async () => {
  await session?.close();
});

const shot = (name) => page.screenshot({ path: new URL(name, ARTIFACTS).pathname, fullPage: true });

// name → { dtype, shape, bytes } of a safetensors file's tensors.
function tensorsOf(bytes) {
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString());
  const out = new Map();
  for (const [name, t] of Object.entries(header))
    if (name !== '__metadata__') out.set(name, { dtype: t.dtype, shape: t.shape, bytes: bytes.subarray(8 + length + t.data_offsets[0], 8 + length + t.data_offsets[1]) });
  return out;
}

function assertSameTensors(actual, expected) {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, e] of expected) {
    const a = actual.get(name);
    assert.equal(a.dtype, e.dtype, name);
    assert.deepEqual(a.shape, e.shape, name);
    assert.ok(a.bytes.equals(e.bytes), `${name}: the bytes PyTorch computed`);
  }
}

// The save picker, as a test can drive it: a file in the origin-private file system, whose
// createWritable() stream is the real one.
async function useSavePicker(on) {
  await page.evaluate((enabled) => {
    window.__picker ??= window.showSaveFilePicker;
    window.showSaveFilePicker = enabled
      ? async ({ suggestedName }) => (await navigator.storage.getDirectory()).getFileHandle(`picked-${suggestedName}`, { create: true })
      : undefined;
  }, on);
}

// A file's bytes from the origin-private file system (null when it is not there), or from a URL.
const opfsBytes = (folder, name) => page.evaluate(async ({ folder, name }) => {
  try {
    let dir = await navigator.storage.getDirectory();
    if (folder) dir = await dir.getDirectoryHandle(folder);
    const file = await (await dir.getFileHandle(name)).getFile();
    return Array.from(new Uint8Array(await file.arrayBuffer()));
  } catch (e) {
    if (e.name === 'NotFoundError') return null;
    throw e;
  }
}, { folder, name }).then((a) => (a ? Buffer.from(a) : null));
const urlBytes = (selector) => page.$eval(selector, async (a) => Array.from(new Uint8Array(await (await fetch(a.href)).arrayBuffer())))
  .then((a) => Buffer.from(a));
const opfsNames = () => page.evaluate(async () => {
  const names = [];
  const walk = async (dir, prefix) => {
    for await (const [name, handle] of dir.entries()) {
      if (handle.kind === 'directory') await walk(handle, `${prefix}${name}/`);
      else names.push(`${prefix}${name}`);
    }
  };
  await walk(await navigator.storage.getDirectory(), '');
  return names.sort();
});

async function runQuantize(format) {
  const done = Number(await page.evaluate(() => document.body.dataset.done ?? 0));
  await page.check(`input[name=format][value=${format}]`);
  await page.click('#quantize');
  await page.waitForFunction((n) => Number(document.body.dataset.done ?? 0) > n || !document.querySelector('#write-error').hidden,
    done, { timeout: 60_000 });
  const error = await page.$eval('#write-error', (el) => (el.hidden ? null : el.textContent));
  assert.equal(error, null);
}

const layerRows = () => page.$$eval('#layer-table tbody tr', (rows) => rows.map((r) => Array.from(r.children, (td) => td.textContent)));

test('a GPT-2 folder: the module tree, Conv1D layers to int8, saved through the picker as PyTorch computes them', async () => {
  await page.setInputFiles('#folder-input', join(fixtures, 'gpt2'));
  await page.waitForSelector('#plan-panel:not([hidden])');
  assert.match(await page.textContent('#open-status'), /model\.safetensors: 493\.5 kB, \d+ tensors, model type gpt2/);
  assert.match(await page.textContent('#plan-summary'), /^8 linear layers to int8/);
  const tree = await page.textContent('#module-tree');
  assert.match(tree, /\(h\)\(0\) … \(1\): 2 blocks like this one/);
  assert.match(tree, /weight {2}F32 \[64, 192\] {2}→ int8 \(Conv1D, 192 out × 64 in\)/);
  assert.match(tree, /kept: embedding/);

  await useSavePicker(true);
  await runQuantize('bitsandbytes');
  assertSameTensors(tensorsOf(await opfsBytes(null, 'picked-model.safetensors')), tensorsOf(readFileSync(join(fixtures, 'expected/gpt2.bitsandbytes.safetensors'))));
  const rows = await layerRows();
  assert.equal(rows.length, 8);
  assert.equal(rows[0][0], 'transformer.h.0.attn.c_attn');
  assert.equal(rows[0][1], '[192, 64]');
  assert.match(rows[0][4], /^\d+\.\d dB$/);
  const config = JSON.parse((await urlBytes('#download-config')).toString());
  assert.equal(config.model_type, 'gpt2');
  assert.equal(config.quantization_config.quant_method, 'bitsandbytes');
  assert.equal(config.torch_dtype, 'float16');
  assert.match(await page.textContent('#what-for'), /AutoModelForCausalLM\.from_pretrained\(folder\).*qlinear does not run this architecture/);
  await shot('checkpoint-gpt2.png');
});

test('sharded Llama files with their index: compressed-tensors, written to private storage, as PyTorch computes it', async () => {
  await useSavePicker(false);
  const dir = join(fixtures, 'llama-sharded');
  await page.setInputFiles('#files-input', ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors',
    'model.safetensors.index.json', 'config.json'].map((f) => join(dir, f)));
  await page.waitForFunction(() => document.querySelector('#open-status').textContent.includes('model type llama'));
  await runQuantize('compressed-tensors');
  const bytes = await urlBytes('#download');
  assertSameTensors(tensorsOf(bytes), tensorsOf(readFileSync(join(fixtures, 'expected/llama.compressed-tensors.safetensors'))));
  assert.ok((await opfsNames()).includes('qlinear-output/model.safetensors'), 'written under its name once complete');
  const config = JSON.parse((await urlBytes('#download-config')).toString());
  assert.equal(config.quantization_config.quant_method, 'compressed-tensors');
  assert.deepEqual(config.quantization_config.ignore, ['lm_head']);
});

test('clicking a module keeps it in every block; clicking again quantizes it again', async () => {
  const before = (await page.textContent('#plan-summary')).match(/^(\d+) linear layers/)[1];
  await page.click('button.module[data-pattern="model.layers.*.mlp"]');
  await page.waitForSelector('button.module.excluded[data-pattern="model.layers.*.mlp"]');
  assert.match(await page.textContent('#plan-summary'), /kept by you: model\.layers\.\*\.mlp/);
  assert.match(await page.textContent('#module-tree'), /kept: excluded by 'model\.layers\.\*\.mlp'/);
  const after = Number((await page.textContent('#plan-summary')).match(/^(\d+) linear layers/)[1]);
  assert.equal(after, Number(before) - 3 * 2); // gate, up and down in each of the 2 layers
  await runQuantize('compressed-tensors');
  const tensors = tensorsOf(await urlBytes('#download'));
  assert.equal(tensors.get('model.layers.1.mlp.down_proj.weight').dtype, 'BF16');
  assert.equal(tensors.has('model.layers.1.mlp.down_proj.weight_scale'), false);
  assert.equal(tensors.get('model.layers.1.self_attn.q_proj.weight').dtype, 'I8');
  assert.equal((await layerRows()).length, after);
  const config = JSON.parse((await urlBytes('#download-config')).toString());
  assert.ok(config.quantization_config.ignore.includes('model.layers.0.mlp.gate_proj'), JSON.stringify(config.quantization_config.ignore));
  await shot('checkpoint-llama-excluded.png');
  await page.click('button.module[data-pattern="model.layers.*.mlp"]');
  await page.waitForSelector('button.module[data-pattern="model.layers.*.mlp"]:not(.excluded)');
  assert.equal((await page.textContent('#plan-summary')).match(/^(\d+) linear layers/)[1], before);
});

test('bad files: each error names the file (and tensor); a run that fails leaves no file behind', async () => {
  const openError = async (files) => {
    await page.setInputFiles('#files-input', files);
    await page.waitForSelector('#open-error:not([hidden])');
    return page.textContent('#open-error');
  };
  const truncated = join(work, 'model-00002-of-00002.safetensors');
  const shard = readFileSync(join(fixtures, 'llama-sharded/model-00002-of-00002.safetensors'));
  writeFileSync(truncated, shard.subarray(0, shard.length - 100));
  const llama = join(fixtures, 'llama-sharded');
  assert.match(await openError([join(llama, 'model-00001-of-00002.safetensors'), truncated, join(llama, 'model.safetensors.index.json')]),
    /model-00002-of-00002\.safetensors/);
  assert.match(await openError([join(llama, 'model-00001-of-00002.safetensors'), join(llama, 'model.safetensors.index.json')]),
    /model-00002-of-00002\.safetensors/);
  assert.match(await openError([join(llama, 'config.json')]), /none of config\.json is a \.safetensors checkpoint.*save_file/);
  assert.match(await openError([join(llama, 'model-00001-of-00002.safetensors'), join(llama, 'model-00002-of-00002.safetensors')]),
    /2 \.safetensors files .* need the model\.safetensors\.index\.json/);
  assert.equal(await page.isHidden('#plan-panel'), true);

  // A NaN in a weight is found only while quantizing: the picked file and the private copy go.
  const gpt2 = readFileSync(join(fixtures, 'gpt2/model.safetensors'));
  const header = JSON.parse(gpt2.subarray(8, 8 + Number(gpt2.readBigUInt64LE(0))).toString());
  const start = 8 + Number(gpt2.readBigUInt64LE(0)) + header['transformer.h.1.mlp.c_fc.weight'].data_offsets[0];
  const poisoned = Buffer.from(gpt2);
  poisoned.writeFloatLE(Number.NaN, start + 4 * 17);
  writeFileSync(join(work, 'model.safetensors'), poisoned);
  copyFileSync(join(fixtures, 'gpt2/config.json'), join(work, 'config.json'));
  await page.setInputFiles('#files-input', [join(work, 'model.safetensors'), join(work, 'config.json')]);
  await page.waitForSelector('#plan-panel:not([hidden])');
  for (const picker of [true, false]) {
    await page.evaluate(async () => {
      const root = await navigator.storage.getDirectory();
      for await (const name of root.keys()) await root.removeEntry(name, { recursive: true });
    });
    await useSavePicker(picker);
    await page.check('input[name=format][value=bitsandbytes]');
    await page.click('#quantize');
    await page.waitForSelector('#write-error:not([hidden])', { timeout: 60_000 });
    assert.match(await page.textContent('#write-error'), /transformer\.h\.1\.mlp\.c_fc\.weight/);
    assert.match(await page.textContent('#write-error'), /NaN|not a number|finite/i);
    assert.deepEqual(await opfsNames(), [], picker ? 'the picked file is removed' : 'the private copy is removed');
    assert.equal(await page.isEnabled('#quantize'), true);
  }
  await shot('checkpoint-errors.png');
  assert.deepEqual(problems, []);
});
