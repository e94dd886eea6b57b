// The qlinear command line, run as a user would: `npx qlinear ...` in this checkout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sample = join(root, 'web/demo/models/fashion_mnist_mlp.safetensors');
const work = mkdtempSync(join(tmpdir(), 'qlinear-cli-'));

function qlinear(...args) {
  const r = spawnSync('npx', ['--no-install', 'qlinear', ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

// A .npy file, written the way numpy.save writes version 1.0 files.
function writeNpy(path, shape, values) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(Float32Array.from(values).buffer)]));
}

test('qlinear inspect prints every tensor', () => {
  const r = qlinear('inspect', sample);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /0\.weight\s+F32\s+\[256, 784\]\s+802,816/);
  assert.match(r.stdout, /4\.bias\s+F32\s+\[10\]\s+40/);
  const json = JSON.parse(qlinear('inspect', sample, '--json').stdout);
  assert.equal(json.tensors.length, 6);
});

test('qlinear quantize writes a quarter-size file that inspect and run read back', () => {
  const out = join(work, 'q.safetensors');
  const r = qlinear('quantize', sample, '-o', out, '--affine', '--per-tensor', '--exclude', '4', '--mode', 'dynamic', '--report');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /read .*fashion_mnist_mlp.safetensors: 0\.94 MB, 3 layers \(784 -> 256 -> 128 -> 10\)/);
  assert.match(r.stderr, /quantizing to int8: affine, per-tensor, dynamic, keeping 4 in fp32/);
  assert.match(r.stderr, /wrote .*q\.safetensors/);
  assert.match(r.stdout, /^0\s+quant_linear\s+256x784\s+qint8\s+per_tensor_affine\s+dynamic/m);
  assert.match(r.stdout, /^4\s+linear\s+10x128\s+float32/m);
  assert.ok(statSync(out).size < statSync(sample).size * 0.27);
  assert.match(qlinear('inspect', out).stdout, /0\.weight\s+I8\s+\[256, 784\]\s+200,704\s+qint8 per_tensor_affine dynamic/);
});

test('qlinear run takes JSON and .npy inputs and prints outputs and argmax', () => {
  const meta = JSON.parse(readFileSync(join(root, 'web/demo/models/fashion_mnist_mlp.json'), 'utf8'));
  const zeros = new Array(784).fill(0);
  const rows = [zeros, zeros.map((_, i) => (i % 7) / 7)];
  writeFileSync(join(work, 'in.json'), JSON.stringify(rows));
  writeNpy(join(work, 'in.npy'), [2, 784], rows.flat());
  const fromJson = qlinear('run', sample, '--input', join(work, 'in.json'));
  const fromNpy = qlinear('run', sample, '--input', join(work, 'in.npy'));
  assert.equal(fromJson.code, 0, fromJson.stderr);
  assert.equal(fromNpy.code, 0, fromNpy.stderr);
  const a = JSON.parse(fromJson.stdout), b = JSON.parse(fromNpy.stdout);
  assert.equal(a.batch, 2);
  assert.equal(a.outputs[0].length, meta.classes.length);
  assert.deepEqual(a, b);
  writeNpy(join(work, 'one.npy'), [784], zeros);
  assert.deepEqual(JSON.parse(qlinear('run', sample, '--input', join(work, 'one.npy')).stdout).outputs[0], a.outputs[0]);
});

test('large files report their reading progress on stderr', async () => {
  // One 2048 x 2048 fp32 layer: 16.8 MB, above the 16 MiB progress threshold.
  const { init, Model } = await import('../../web/package/qlinear.js');
  await init();
  const model = new Model([{ name: '0', inFeatures: 2048, outFeatures: 2048, weight: new Float32Array(2048 * 2048).fill(0.01) }]);
  const big = join(work, 'big.safetensors');
  writeFileSync(big, model.save());
  model.dispose();
  const r = qlinear('quantize', big, '-o', join(work, 'big-int8.safetensors'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /reading .*big\.safetensors: 25% of 16\.78 MB\n(.*\n)*.*: 100% of 16\.78 MB/);
});

test('--threads: checked as a usage error, the last one wins, help needs none', () => {
  for (const bad of [['--threads', '0'], ['--threads', 'x'], ['--threads=65'], ['--threads']]) {
    const r = qlinear('inspect', sample, ...bad);
    assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /--threads must be a whole number from 1 to 64/);
  }
  const last = qlinear('inspect', sample, '--threads', '0', '--threads', '2');
  assert.equal(last.code, 0, last.stderr);
  const help = qlinear('--threads', 'x', '--help');
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /--threads N \(default: one a core, up to 4\)/);
});

test('exit codes and messages a shell user expects', () => {
  const usage = qlinear('quantize', sample);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /qlinear: quantize needs -o OUT\n\nusage:/);
  assert.equal(qlinear('frobnicate', sample).code, 2);
  assert.equal(qlinear('inspect', sample, '--frob').code, 2);
  assert.match(qlinear('quantize', sample, '-o', 'x', '--symmetric', '--affine').stderr, /exclude each other/);
  const missing = qlinear('inspect', join(work, 'nope.safetensors'));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /qlinear: no such file: .*nope\.safetensors/);
  writeFileSync(join(work, 'bad.safetensors'), Buffer.from('\xff\xff\xff\xff\0\0\0\0{}', 'latin1'));
  const bad = qlinear('inspect', join(work, 'bad.safetensors'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /qlinear: \S*bad\.safetensors: header length \d+ is absurdly large/); // the file named
  writeFileSync(join(work, 'short.json'), '[1, 2, 3]');
  const short = qlinear('run', sample, '--input', join(work, 'short.json'));
  assert.equal(short.code, 1);
  assert.match(short.stderr, /holds 3 values in 1 row\(s\); the model takes 784 features per row/);
  writeFileSync(join(work, 'ragged.json'), JSON.stringify([new Array(784).fill(0), [1, 2]]));
  const ragged = qlinear('run', sample, '--input', join(work, 'ragged.json'));
  assert.equal(ragged.code, 1);
  assert.match(ragged.stderr, /row 1 has 2 values; the model takes 784 features per row/);
  assert.match(qlinear('run', sample, '--input', join(work, 'short.json'), '--mode', 'dynamic').stderr, /run does not take --mode/);
  assert.equal(qlinear('run', sample, '--input', join(work, 'short.json'), '--mode', 'dynamic').code, 2);
  const badActivation = qlinear('quantize', sample, '-o', join(work, 'x.safetensors'), '--activation', 'swish');
  assert.equal(badActivation.code, 2);
  assert.match(badActivation.stderr, /--activation must be one of/);
  assert.equal(qlinear('quantize', sample, '-o', join(work, 'x.safetensors'), 'stray').code, 2);
  assert.equal(qlinear('--help').code, 0);
});

test('--exclude takes several names', () => {
  const out = join(work, 'two-fp32.safetensors');
  const r = qlinear('quantize', sample, '-o', out, '--exclude', '0', '4', '--report');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /keeping 0, 4 in fp32/);
  assert.match(r.stdout, /^2\s+quant_linear/m);
});

test('--mode static calibrates on a .npy file; --mode llm-int8 takes a threshold', () => {
  // 64 Fashion-MNIST-like rows: the first 64 training images would do; smooth values in [0, 1] are enough here.
  const calibration = join(work, 'calibration.npy');
  writeNpy(calibration, [64, 784], Array.from({ length: 64 * 784 }, (_, i) => (Math.sin(i * 0.37) + 1) / 2));
  const out = join(work, 'static.safetensors');
  const r = qlinear('quantize', sample, '-o', out, '--mode', 'static', '--calibration', calibration,
    '--observer', 'percentile', '--report');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /calibrated on 64 rows of .*calibration\.npy \(percentile observer\)/);
  assert.match(r.stdout, /^0\s+quant_linear\s+256x784\s+qint8\s+per_channel_symmetric\s+static/m);
  assert.match(qlinear('inspect', out).stdout, /0\.input_scale\s+F32\s+\[1\]/);
  const ran = qlinear('run', out, '--input', calibration);
  assert.equal(ran.code, 0, ran.stderr);

  // PyTorch's default qconfig: HistogramObserver with reduce_range, per-channel symmetric weights
  // (qnnpack's: per-tensor weights).
  const fbgemm = qlinear('quantize', sample, '-o', join(work, 'fbgemm.safetensors'), '--mode', 'static', '--calibration', calibration,
    '--qconfig', 'fbgemm', '--report');
  assert.equal(fbgemm.code, 0, fbgemm.stderr);
  assert.match(fbgemm.stderr, /\(histogram observer, reduceRange true: PyTorch's fbgemm qconfig\)/);
  assert.match(fbgemm.stdout, /^0\s+quant_linear\s+256x784\s+qint8\s+per_channel_symmetric\s+static/m);
  const qnnpack = qlinear('quantize', sample, '-o', join(work, 'qnnpack.safetensors'), '--mode', 'static', '--calibration', calibration,
    '--qconfig', 'qnnpack', '--report');
  assert.equal(qnnpack.code, 0, qnnpack.stderr);
  assert.match(qnnpack.stdout, /^0\s+quant_linear\s+256x784\s+qint8\s+per_tensor_symmetric\s+static/m);

  const llm = qlinear('quantize', sample, '-o', join(work, 'llm.safetensors'), '--mode', 'llm-int8', '--outlier-threshold', '4');
  assert.equal(llm.code, 0, llm.stderr);
  assert.match(llm.stderr, /llm-int8 \(outlier threshold 4\)/);

  for (const [args, message] of [
    [['--mode', 'static'], /--mode static needs --calibration/],
    [['--calibration', calibration], /--calibration needs --mode static/],
    [['--mode', 'static', '--calibration', calibration, '--observer', 'entropy'], /--observer must be one of/],
    [['--mode', 'static', '--calibration', calibration, '--qconfig', 'tensorrt'], /--qconfig must be one of fbgemm, qnnpack, x86, onednn/],
    [['--mode', 'static', '--calibration', calibration, '--qconfig', 'x86', '--observer', 'minmax'], /--qconfig sets the observer and the weights: drop --observer/],
    [['--mode', 'dynamic', '--qconfig', 'x86'], /--qconfig goes with --mode static/],
    [['--mode', 'dynamic', '--outlier-threshold', '3'], /--outlier-threshold goes with --mode llm-int8/],
    [['--mode', 'llm-int8', '--outlier-threshold=-1'], /--outlier-threshold must be a number >= 0/],
    [['--mode', 'llm-int8', '--outlier-threshold', 'six'], /--outlier-threshold must be a number >= 0/],
    [['--mode', 'w4'], /--mode must be one of weight-only, dynamic, llm-int8, static/],
  ]) {
    const bad = qlinear('quantize', sample, '-o', join(work, 'x.safetensors'), ...args);
    assert.equal(bad.code, 2, args.join(' '));
    assert.match(bad.stderr, message);
  }
  writeNpy(join(work, 'narrow.npy'), [2, 10], new Array(20).fill(0));
  const narrow = qlinear('quantize', sample, '-o', join(work, 'x.safetensors'), '--mode', 'static', '--calibration', join(work, 'narrow.npy'));
  assert.equal(narrow.code, 1);
  assert.match(narrow.stderr, /the model takes 784 features per row/);
});

test('CLI conventions: --version, help, defaults and exit codes in --help, inline --spec, --activations', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const flag of ['--version', '-V']) {
    const r = qlinear(flag);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), `qlinear ${pkg.version}`);
  }
  const help = qlinear('help');
  assert.equal(help.code, 0);
  assert.equal(help.stdout, qlinear('--help').stdout);
  assert.match(help.stdout, /Defaults: --symmetric, --per-channel, --mode weight-only/);
  assert.match(help.stdout, /Exit codes: 0 done, 1 the work failed \(the message names the file\), 2 a usage error/);
  // --spec as JSON text: the sample's layers named explicitly, the result as from its keys.
  const inline = join(work, 'inline.safetensors');
  const spec = JSON.stringify({ layers: [{ name: '0', activation: 'relu' }, { name: '2', activation: 'relu' }, { name: '4' }] });
  const r = qlinear('quantize', sample, '-o', inline, '--spec', spec);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /3 layers \(784 -> 256 -> 128 -> 10\)/);
  // PyTorch's quantize_dynamic activations (per-tensor affine), which only dynamic mode has.
  const dynamic = qlinear('quantize', sample, '-o', join(work, 'pt-dynamic.safetensors'), '--mode', 'dynamic', '--activations', 'pytorch');
  assert.equal(dynamic.code, 0, dynamic.stderr);
  assert.match(dynamic.stderr, /dynamic \(activations pytorch\)/);
  const wrongMode = qlinear('quantize', sample, '-o', join(work, 'x.safetensors'), '--activations', 'pytorch');
  assert.equal(wrongMode.code, 2);
  assert.match(wrongMode.stderr, /--activations goes with --mode dynamic/);
  assert.match(qlinear('quantize', sample, '-o', join(work, 'x.safetensors'), '--mode', 'dynamic', '--activations', 'per-col').stderr,
    /--activations must be one of per-row, pytorch, got 'per-col'/);
});

test('CLI errors: -o checked before the work, --exclude lists the layers, the input file named, a .pt file recognised', () => {
  const unwritable = qlinear('quantize', sample, '-o', join(work, 'no-such-folder', 'x.safetensors'));
  assert.equal(unwritable.code, 1);
  assert.match(unwritable.stderr, /cannot write .*no-such-folder\/x\.safetensors: the folder .*no-such-folder does not exist/);
  assert.doesNotMatch(unwritable.stderr, /read .*: 0\.94 MB/, 'refused before reading the model');
  const folder = qlinear('quantize', sample, '-o', work);
  assert.equal(folder.code, 1);
  assert.match(folder.stderr, /it is a folder; name a \.safetensors file/);
  const exclude = qlinear('quantize', sample, '-o', join(work, 'x.safetensors'), '--exclude', '3');
  assert.equal(exclude.code, 1);
  assert.match(exclude.stderr, /--exclude 3: .*fashion_mnist_mlp\.safetensors has no layer of that name; its layers are 0, 2, 4/);
  assert.doesNotMatch(exclude.stderr, /modules_to_exclude/);
  // A model error that does not name the file gets it in front.
  const badSpec = qlinear('run', sample, '--input', join(work, 'short.json'), '--spec', '{"layers": [{"name": "fc9"}]}');
  assert.equal(badSpec.code, 1);
  assert.match(badSpec.stderr, /^qlinear: .*fashion_mnist_mlp\.safetensors: .*fc9/m);
  // A PyTorch torch.save() file (tools/make_not_safetensors_fixtures.py) says what it is and how to save safetensors.
  const pt = qlinear('inspect', join(root, 'tests/fixtures/not-safetensors/linear.pt'));
  assert.equal(pt.code, 1);
  assert.match(pt.stderr, /linear\.pt: not a safetensors file: it looks like a zip archive, the format of PyTorch's torch\.save\(\)/);
  assert.match(pt.stderr, /from safetensors\.torch import save_file; save_file\(model\.state_dict\(\), "model\.safetensors"\)/);
  const one = qlinear('quantize', join(root, 'tests/fixtures/not-safetensors/linear.pt'), '-o', join(work, 'pt.safetensors'));
  assert.equal(one.code, 1);
  assert.match(one.stderr, /linear\.pt: not a safetensors file/);
});

test('common MLP layouts load without a spec: the layers found, BatchNorm1d folded, --activation for named layers', () => {
  const fixture = (name) => join(root, 'tests/fixtures/safetensors', name);
  const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8'));
  const input = join(work, 'layout-in.json');
  const rows = Array.from({ length: 5 }, (_, r) => expected.input.values.slice(r * 16, (r + 1) * 16));
  writeFileSync(input, JSON.stringify(rows));
  const outputs = (stdout) => JSON.parse(stdout).outputs.flat();
  const close = (a, b) => a.every((v, i) => Math.abs(v - b[i]) <= 1e-5 * Math.max(1, Math.abs(b[i])));

  let r = qlinear('run', fixture('named_batchnorm_f32.safetensors'), '--input', input);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /layers: named layers ordered by their shapes: fc1 \(16→24\) → fc2 \(24→12\) → fc3 \(12→4\)/);
  assert.match(r.stderr, /BatchNorm1d 'bn1' folded into 'fc1' \(after it\); BatchNorm1d 'bn2' folded into 'fc2' \(after it\)/);
  assert.ok(close(outputs(r.stdout), expected.files['named_batchnorm_f32.safetensors'].output), 'PyTorch eval-mode outputs');

  r = qlinear('quantize', fixture('wrapped_sequential_f32.safetensors'), '-o', join(work, 'wrapped.int8.safetensors'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /layers: nn\.Sequential under 'net': layers net\.0, net\.2, net\.4/);

  // named_gelu: GELU between encoder and head, which the file cannot say; --activation does.
  r = qlinear('run', fixture('named_gelu_f32.safetensors'), '--input', input, '--activation', 'gelu');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(close(outputs(r.stdout), expected.files['named_gelu_f32.safetensors'].output));
  r = qlinear('run', fixture('named_gelu_f32.safetensors'), '--input', input);
  assert.ok(!close(outputs(r.stdout), expected.files['named_gelu_f32.safetensors'].output), 'relu is not gelu');

  r = qlinear('run', fixture('named_batchnorm_f32.safetensors'), '--input', input, '--batch-norm-eps=-1');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--batch-norm-eps must be a number >= 0, got '-1'/);
});
