// Streaming checkpoints through the wasm module: the JS API and `qlinear quantize --format` write,
// for the GPT-2- and sharded Llama-shaped fixtures, exactly the tensors PyTorch computed
// (tests/fixtures/checkpoints/expected, tools/make_checkpoint_fixtures.py); bad checkpoints get
// errors naming the file and tensor, and leave nothing under the output name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { init, memory, Checkpoint, quantizationConfig, QlinearError } from '../../web/package/qlinear.js';
import { nodeFile } from '../../cli/checkpoint.mjs';

await init();
const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join(root, 'tests/fixtures/checkpoints');
const cli = join(root, 'bin/qlinear.mjs');

// name → { dtype, shape, bytes } of a safetensors file's tensors.
function tensorsOf(bytes) {
  const length = Number(Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE());
  const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, length).toString());
  const out = new Map();
  for (const [name, t] of Object.entries(header))
    if (name !== '__metadata__')
      out.set(name, { dtype: t.dtype, shape: t.shape, bytes: Buffer.from(bytes.subarray(8 + length + t.data_offsets[0], 8 + length + t.data_offsets[1])) });
  return out;
}

function assertSameTensors(actual, expectedPath) {
  const expected = tensorsOf(readFileSync(expectedPath));
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, e] of expected) {
    const a = actual.get(name);
    assert.equal(a.dtype, e.dtype, name);
    assert.deepEqual(a.shape, e.shape, name);
    assert.ok(a.bytes.equals(e.bytes), `${name}: the bytes PyTorch computed`);
  }
}

function quantizeToBytes(checkpoint, plan, format) {
  const parts = [];
  const written = checkpoint.quantize(plan, { format }, { write: (b) => parts.push(Buffer.from(b)) });
  const bytes = Buffer.concat(parts);
  assert.equal(written, bytes.length);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

function llama() {
  const shards = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
  const index = join(dir, 'llama-sharded/model.safetensors.index.json');
  return Checkpoint.open(shards.map((s) => nodeFile(join(dir, 'llama-sharded', s), s)),
    { index: { name: 'model.safetensors.index.json', text: readFileSync(index, 'utf8') } });
}

test('the JS API writes what PyTorch computes for GPT-2 (Conv1D) and a sharded Llama, in both formats', () => {
  const cases = [
    ['gpt2', () => Checkpoint.open(nodeFile(join(dir, 'gpt2/model.safetensors'))), join(dir, 'gpt2/config.json'), 8],
    ['llama', llama, join(dir, 'llama-sharded/config.json'), 14],
  ];
  for (const [name, open, config, layers] of cases) {
    const checkpoint = open();
    const plan = checkpoint.plan({ config: readFileSync(config, 'utf8') });
    assert.equal(plan.tensors.filter((t) => t.quantize).length, layers);
    for (const format of ['bitsandbytes', 'compressed-tensors'])
      assertSameTensors(tensorsOf(quantizeToBytes(checkpoint, plan, format)), join(dir, `expected/${name}.${format}.safetensors`));
    checkpoint.dispose();
  }
});

test('open, plan, quantize and dispose, again and again: the heap stays where it was', () => {
  const cycle = () => {
    const checkpoint = llama();
    quantizeToBytes(checkpoint, checkpoint.plan(), 'bitsandbytes');
    assert.throws(() => checkpoint.plan({ include: ['nothing'] }), QlinearError);
    checkpoint.dispose();
  };
  cycle(); // first use: the module's own one-time allocations
  const baseline = memory().inUse;
  for (let i = 0; i < 20; i++) cycle();
  assert.equal(memory().inUse, baseline);
});

test('progress follows every tensor with the quantized layers\' error; the configs say what loaders need', () => {
  const checkpoint = Checkpoint.open(nodeFile(join(dir, 'gpt2/model.safetensors')));
  const plan = checkpoint.plan({ exclude: ['transformer.h.1.mlp'] });
  const reports = [];
  checkpoint.quantize(plan, { format: 'bitsandbytes' }, { write: () => {}, onProgress: (r) => reports.push(r) });
  assert.equal(reports.length, checkpoint.tensors.length);
  assert.equal(reports.at(-1).bytesWritten, reports.at(-1).bytesTotal);
  const layers = reports.filter((r) => r.layer);
  assert.equal(layers.length, 6);
  assert.ok(layers.every((r) => r.layer.error.sqnrDb > 30 && r.name.endsWith('.weight')));
  const bnb = quantizationConfig(plan, 'bitsandbytes');
  assert.equal(bnb.quant_method, 'bitsandbytes');
  assert.deepEqual(bnb.llm_int8_skip_modules, ['lm_head', 'transformer.h.1.mlp.c_fc', 'transformer.h.1.mlp.c_proj']);
  const ct = quantizationConfig(plan, 'compressed-tensors');
  assert.equal(ct.format, 'int-quantized');
  assert.deepEqual(ct.config_groups.group_0.weights.strategy, 'channel');
  assert.equal(ct.config_groups.group_0.input_activations.strategy, 'token');
  assert.equal(quantizationConfig(plan, 'qlinear'), null);
  assert.throws(() => checkpoint.plan({ exclude: ['transformer.h.*.attention'] }),
    (e) => e instanceof QlinearError && /exclude pattern 'transformer.h.\*.attention' matches no module/.test(e.message));
  checkpoint.dispose();
});

test('a read or a write that fails mid-way is a QlinearError naming the file and tensor, and the module keeps working', () => {
  const file = nodeFile(join(dir, 'gpt2/model.safetensors'));
  const failing = { ...file, read: (offset, target) => { if (offset > 200_000) throw new Error('the disk went away'); file.read(offset, target); } };
  const checkpoint = Checkpoint.open(failing);
  const plan = checkpoint.plan();
  assert.throws(() => checkpoint.quantize(plan, {}, { write: () => {} }),
    (e) => e instanceof QlinearError && /model\.safetensors, tensor 'transformer\.h\.0\.mlp\.c_fc\.bias': the disk went away/.test(e.message));
  assert.throws(() => checkpoint.quantize(plan, {}, { write: () => { throw new Error('no space left on device'); } }),
    (e) => e instanceof QlinearError && /no space left on device/.test(e.message));
  assert.throws(() => checkpoint.quantize(plan, {}, { write: () => {}, onProgress: () => { throw new Error('stop'); } }), /stop/);
  assert.throws(() => checkpoint.quantize(plan, { format: 'gguf' }, { write: () => {} }),
    (e) => e instanceof TypeError && /format must be 'bitsandbytes' or 'compressed-tensors' or 'qlinear'/.test(e.message));
  checkpoint.dispose();
  const good = Checkpoint.open(nodeFile(join(dir, 'gpt2/model.safetensors')));
  assertSameTensors(tensorsOf(quantizeToBytes(good, good.plan(), 'compressed-tensors')), join(dir, 'expected/gpt2.compressed-tensors.safetensors'));
  good.dispose();
});

test('qlinear quantize --format: a folder in, a folder out with config.json, and the same tensors on 1, 2 and 3 threads', () => {
  const out = mkdtempSync(join(tmpdir(), 'qlinear-ckpt-'));
  try {
    // The fixtures' c_fc and c_proj are large enough for the writer to split their rows.
    for (const threads of ['3', '2']) {
      execFileSync(process.execPath, [cli, 'quantize', join(dir, 'gpt2'), '-o', join(out, `gpt2-int8-${threads}`), '--format', 'bitsandbytes',
        '--threads', threads], { stdio: 'pipe' });
      assertSameTensors(tensorsOf(readFileSync(join(out, `gpt2-int8-${threads}/model.safetensors`))),
        join(dir, 'expected/gpt2.bitsandbytes.safetensors'));
    }
    execFileSync(process.execPath, [cli, 'quantize', join(dir, 'gpt2'), '-o', join(out, 'gpt2-int8'), '--format', 'bitsandbytes',
      '--threads', '1'], { stdio: 'pipe' });
    assertSameTensors(tensorsOf(readFileSync(join(out, 'gpt2-int8/model.safetensors'))), join(dir, 'expected/gpt2.bitsandbytes.safetensors'));
    const config = JSON.parse(readFileSync(join(out, 'gpt2-int8/config.json'), 'utf8'));
    assert.equal(config.model_type, 'gpt2');
    assert.equal(config.quantization_config.load_in_8bit, true);
    assert.equal(config.torch_dtype, 'float16');
    // An index in, a file out: the quantization_config on stdout.
    const printed = execFileSync(process.execPath, [cli, 'quantize', join(dir, 'llama-sharded/model.safetensors.index.json'),
      '-o', join(out, 'llama.safetensors'), '--format', 'compressed-tensors'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    assert.equal(JSON.parse(printed).quantization_config.quant_method, 'compressed-tensors');
    assertSameTensors(tensorsOf(readFileSync(join(out, 'llama.safetensors'))), join(dir, 'expected/llama.compressed-tensors.safetensors'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('qlinear quantize --format on bad checkpoints: exit 1, the file and tensor named, nothing left under OUT', () => {
  const work = mkdtempSync(join(tmpdir(), 'qlinear-bad-'));
  try {
    const run = (...args) => spawnSync(process.execPath, [cli, 'quantize', ...args], { encoding: 'utf8' });
    // A missing shard.
    cpSync(join(dir, 'llama-sharded'), join(work, 'llama'), { recursive: true });
    rmSync(join(work, 'llama/model-00002-of-00002.safetensors'));
    let r = run(join(work, 'llama'), '-o', join(work, 'out.safetensors'), '--format', 'bitsandbytes');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /places tensor 'lm_head.weight' in model-00002-of-00002.safetensors, which is missing/);
    // A truncated shard.
    cpSync(join(dir, 'llama-sharded'), join(work, 'cut'), { recursive: true });
    const shard = join(work, 'cut/model-00002-of-00002.safetensors');
    const bytes = readFileSync(shard);
    execFileSync('truncate', ['-s', String(bytes.length - 64), shard]);
    r = run(join(work, 'cut'), '-o', join(work, 'out.safetensors'), '--format', 'compressed-tensors');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /model-00002-of-00002.safetensors: tensor 'lm_head.weight': data_offsets .* run past/);
    // An exclude pattern that matches nothing.
    r = run(join(dir, 'gpt2'), '-o', join(work, 'out.safetensors'), '--format', 'bitsandbytes', '--exclude', 'decoder.*');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /exclude pattern 'decoder.\*' matches no module/);
    // A folder to write into that does not exist: refused before any work.
    r = run(join(dir, 'gpt2'), '-o', join(work, 'no/such/folder/out.safetensors'), '--format', 'bitsandbytes');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /does not exist/);
    // MLP options with --format are a usage error.
    r = run(join(dir, 'gpt2'), '-o', join(work, 'out.safetensors'), '--format', 'bitsandbytes', '--mode', 'dynamic');
    assert.equal(r.status, 2, r.stderr);
    assert.deepEqual(readdirSync(work).filter((f) => f.startsWith('out')), [], 'no output, partial or whole');
    assert.ok(!existsSync(join(work, 'out.safetensors')));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('qlinear inspect reads the header alone: a 3.2 GB file (sparse here) is listed without reading its data', () => {
  const work = mkdtempSync(join(tmpdir(), 'qlinear-big-'));
  try {
    const header = JSON.stringify({ 'lm_head.weight': { dtype: 'F32', shape: [50000, 16000], data_offsets: [0, 3_200_000_000] } });
    const path = join(work, 'big.safetensors');
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(path, Buffer.concat([length, Buffer.from(header)]));
    execFileSync('truncate', ['-s', String(8 + header.length + 3_200_000_000), path]);
    const r = spawnSync(process.execPath, [cli, 'inspect', path], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /lm_head\.weight\s+F32\s+\[50000, 16000\]\s+3,200,000,000/);
    assert.match(r.stdout, /3200\.\d+ MB, 1 tensors/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('qlinear inspect prints the module tree, what quantize does with each tensor, then every parameter', () => {
  const r = spawnSync(process.execPath, [cli, 'inspect', join(dir, 'gpt2/model.safetensors')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\(h\)\n {4}\(0\) … \(1\): 2 blocks like this one\n/);
  assert.match(r.stdout, /\(c_attn\)\n\s+weight\s+F32\s+\[64, 192\]\s+→ int8 \(Conv1D, 192 out × 64 in\)/);
  assert.match(r.stdout, /\(wte\)\n\s+weight\s+F32\s+\[256, 64\]\s+kept: embedding/);
  assert.match(r.stdout, /parameters:\nname\s+dtype\s+shape\s+bytes/);
  assert.match(r.stdout, /transformer\.h\.1\.mlp\.c_proj\.weight\s+F32\s+\[256, 64\]\s+65,536/);
});

test('moduleTree() gives each module its exclude pattern, with repeated blocks as *', async () => {
  const { moduleTree, outputConfig } = await import('../../web/package/qlinear.js');
  const checkpoint = Checkpoint.open(nodeFile(join(dir, 'gpt2/model.safetensors')));
  try {
    const plan = checkpoint.plan({ config: readFileSync(join(dir, 'gpt2/config.json'), 'utf8') });
    const [transformer] = moduleTree(checkpoint.tensors, plan);
    const h = transformer.children.find((c) => c.part === 'h');
    assert.equal(h.children.length, 1, 'the two alike blocks are one node');
    assert.deepEqual(h.children[0].blocks, { last: '1', count: 2 });
    const attn = h.children[0].children.find((c) => c.part === 'attn');
    const cAttn = attn.children.find((c) => c.part === 'c_attn');
    assert.equal(cAttn.name, 'transformer.h.0.attn.c_attn');
    assert.equal(cAttn.pattern, 'transformer.h.*.attn.c_attn');
    assert.deepEqual(cAttn.tensors.map((t) => [t.leaf, t.quantize, t.outFeatures, t.inFeatures]), [['weight', true, 192, 64], ['bias', false, 0, 0]]);
    // The pattern excludes that module in every block.
    const kept = checkpoint.plan({ exclude: [cAttn.pattern] });
    assert.deepEqual(kept.tensors.filter((t) => t.name.endsWith('c_attn.weight')).map((t) => t.quantize), [false, false]);
    const config = outputConfig('{"model_type": "gpt2"}', kept, { format: 'bitsandbytes' });
    assert.equal(config.torch_dtype, 'float16');
    assert.deepEqual(config.quantization_config.llm_int8_skip_modules.filter((m) => m.includes('c_attn')),
      ['transformer.h.0.attn.c_attn', 'transformer.h.1.attn.c_attn']);
    assert.throws(() => outputConfig('{oops', kept, { format: 'bitsandbytes' }), /config\.json is not valid JSON/);
  } finally {
    checkpoint.dispose();
  }
});
