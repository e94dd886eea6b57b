// Models in and out of safetensors through the JS API: PyTorch's files, round trips, and
// malformed files that must fail cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { init, loadModel, inspectSafetensors, normalizeInputs, Model, QlinearError } from '../../web/package/qlinear.js';
import { mlpFixtures, maxScaledDifference } from './model-fixtures.mjs';
import { float32Bits } from './fixtures.mjs';

await init();

const dir = new URL('../fixtures/safetensors/', import.meta.url);
const read = (name) => readFileSync(new URL(name, dir));
const expected = JSON.parse(read('expected.json'));
const x = Float32Array.from(expected.input.values);

test('PyTorch nn.Sequential files in F32, F16 and BF16 load with no spec and match PyTorch (1e-5)', () => {
  for (const name of ['sequential_f32.safetensors', 'sequential_f16.safetensors', 'sequential_bf16.safetensors']) {
    const model = loadModel(read(name));
    assert.deepEqual(model.report().layers.map((l) => [l.name, l.activation]), [['0', 'relu'], ['2', 'relu'], ['4', 'identity']]);
    assert.ok(maxScaledDifference(model.forward(x, 5), expected.files[name].output) <= 1e-5, name);
    model.dispose();
  }
});

test('a spec (object or JSON text) names the layers and activations; without one, named layers chain by shape', () => {
  const file = expected.files['named_gelu_f32.safetensors'];
  for (const spec of [file.spec, JSON.stringify(file.spec)]) {
    const model = loadModel(read('named_gelu_f32.safetensors'), { spec });
    assert.equal(model.layout.kind, 'spec');
    assert.ok(maxScaledDifference(model.forward(x, 5), file.output) <= 1e-5);
    model.dispose();
  }
  const inferred = loadModel(read('named_gelu_f32.safetensors'), { activation: 'gelu' });
  assert.equal(inferred.layout.kind, 'named');
  assert.ok(maxScaledDifference(inferred.forward(x, 5), file.output) <= 1e-5);
  inferred.dispose();
  // Two layers of the same shape under names that say no order: an error with a spec to edit.
  const w = new Float32Array(16).fill(0.5);
  const ambiguous = new Model([{ name: 'a', inFeatures: 4, outFeatures: 4, weight: w }, { name: 'b', inFeatures: 4, outFeatures: 4, weight: w }]);
  const bytes = ambiguous.save();
  ambiguous.dispose();
  // Strip qlinear's description so the file reads as a plain state_dict.
  const plain = stripQlinearMetadata(bytes);
  assert.throws(() => loadModel(plain), (e) => e instanceof QlinearError && /the layer order is ambiguous/.test(e.message) &&
    /Pass a spec that lists the layers in order/.test(e.message) && /\{"activation":"relu","name":"a"\}/.test(e.message));
});

// A safetensors file without its __metadata__: what a PyTorch user's state_dict file looks like.
function stripQlinearMetadata(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  delete header.__metadata__;
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const out = new Uint8Array(8 + text.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(new TextEncoder().encode(text), 8);
  out.set(bytes.subarray(8 + n), 8 + text.length);
  return out;
}

test('wrapped nn.Sequential, named fc1/fc2/fc3 and BatchNorm1d load without a spec and match PyTorch eval mode (1e-5)', () => {
  for (const name of ['wrapped_sequential_f32.safetensors', 'named_fc_f32.safetensors', 'sequential_batchnorm_f32.safetensors',
    'named_batchnorm_f32.safetensors']) {
    const file = expected.files[name];
    const model = loadModel(read(name));
    assert.deepEqual(model.report().layers.map((l) => l.name), file.layers, name);
    const folds = model.layout.spec.layers.flatMap((l) => [
      ...(l.batchNorm ? [{ batchNorm: l.batchNorm, layer: l.name, position: 'after' }] : []),
      ...(l.batchNormBefore ? [{ batchNorm: l.batchNormBefore, layer: l.name, position: 'before' }] : []),
    ]);
    assert.deepEqual(folds, file.batchNorms, name);
    assert.ok(maxScaledDifference(model.forward(x, 5), file.output) <= 1e-5, name);
    // The inferred layout is a spec: passed back, it loads the same model.
    const again = loadModel(read(name), { spec: model.layout.spec });
    assert.deepEqual(again.forward(x, 5), model.forward(x, 5));
    for (const m of [model, again]) m.dispose();
  }
  assert.throws(() => loadModel(read('named_batchnorm_f32.safetensors'), { batchNormEps: -1 }), /batchNormEps/);
});

test('metadata and the input normalization survive quantize and save; normalizeInputs applies it', () => {
  const model = loadModel(read('named_fc_f32.safetensors'));
  assert.deepEqual(model.metadata, {});
  assert.equal(model.inputNormalization, null);
  model.setMetadata('note', 'trained 3 epochs').setInputNormalization({ mean: 0.25, std: [0.5] });
  const int8 = model.quantize();
  assert.equal(int8.metadata.note, 'trained 3 epochs');
  const reloaded = loadModel(int8.save());
  assert.equal(reloaded.metadata.note, 'trained 3 epochs');
  assert.equal(reloaded.metadata['qlinear.model'], undefined, "qlinear's own keys are not the model's metadata");
  const n = reloaded.inputNormalization;
  assert.deepEqual([Array.from(n.mean), Array.from(n.std), n.key], [[0.25], [0.5], 'qlinear.input_normalization']);
  assert.deepEqual(Array.from(normalizeInputs([1, 0.25, -0.75, 0.5], n, 2)), [1.5, 0, -2, 0.5]);
  reloaded.setMetadata('note', null);
  assert.equal(reloaded.metadata.note, undefined);
  assert.throws(() => model.setInputNormalization({ mean: [0, 0, 0], std: [1, 1, 1] }), /does not divide the model's 16 input features/);
  assert.throws(() => model.setInputNormalization({ mean: 0, std: 0 }), /a std must be a number > 0/);
  assert.throws(() => normalizeInputs([1, 2, 3], { mean: [0, 0], std: [1, 1] }, 3), /does not divide 3 features/);
  for (const m of [model, int8, reloaded]) m.dispose();
});

test('save -> load gives identical outputs for fp32 and every int8 variant, at about a quarter of the size', () => {
  const f = mlpFixtures.find((m) => m.name === 'mlp_256_512_10');
  const model = new Model(f.layerSpecs);
  const input = f.inputs.find((i) => i.name === 'batch_8');
  const fp32File = model.save();
  const fp32 = loadModel(fp32File);
  assert.deepEqual(float32Bits(fp32.forward(input.values, 8)), float32Bits(model.forward(input.values, 8)));
  for (const options of [{}, { symmetric: false }, { perChannel: false, dtype: 'quint8', symmetric: false }, { mode: 'dynamic' },
    { mode: 'dynamic', activations: 'pytorch' }]) {
    const q = model.quantize(options);
    const file = q.save();
    const back = loadModel(file);
    assert.deepEqual(float32Bits(back.forward(input.values, 8)), float32Bits(q.forward(input.values, 8)), JSON.stringify(options));
    assert.deepEqual(back.report().layers.map((l) => [l.scheme, l.mode, l.activations]), q.report().layers.map((l) => [l.scheme, l.mode, l.activations]));
    const ratio = file.length / fp32File.length;
    assert.ok(ratio > 0.24 && ratio < 0.27, `size ratio ${ratio}`);
    for (const m of [q, back]) m.dispose();
  }
  for (const m of [model, fp32]) m.dispose();
});

test('inspectSafetensors lists tensors, dtypes, shapes, bytes and quantization', () => {
  const { tensors, metadata } = inspectSafetensors(read('sequential_f16.safetensors'));
  assert.equal(metadata.format, 'pt');
  assert.deepEqual(tensors[0], { name: '0.weight', dtype: 'F16', shape: [32, 16], bytes: 1024, quantization: null });
  const model = loadModel(read('sequential_f32.safetensors'));
  const q = model.quantize({ symmetric: false, perChannel: false }, ['4']);
  const rows = inspectSafetensors(q.save()).tensors;
  assert.deepEqual(rows.map((r) => r.name).slice(0, 4), ['0.weight', '0.weight_scale', '0.weight_zero_point', '0.bias']);
  assert.equal(rows[0].quantization, 'qint8 per_tensor_affine weight-only');
  assert.equal(rows.find((r) => r.name === '4.weight').dtype, 'F32');
  q.dispose();
  model.dispose();
});

test('malformed files throw a QlinearError naming the problem, and the module keeps working', () => {
  const good = read('sequential_f32.safetensors');
  const withTrailing = new Uint8Array(good.length + 3);
  withTrailing.set(good);
  const cases = [
    [good.subarray(0, 5), /too short for the 8-byte header length/],
    [good.subarray(0, 200), /runs past the end of the 200-byte file/],
    [withTrailing, /3 bytes of trailing data follow the last tensor/],
    [new TextEncoder().encode('\x10\0\0\0\0\0\0\0{"a":1,"a":2}   '), /header names 'a' more than once/],
  ];
  for (const [bytes, pattern] of cases) {
    assert.throws(() => loadModel(bytes), (e) => e instanceof QlinearError && pattern.test(e.message), String(pattern));
    assert.throws(() => inspectSafetensors(bytes), (e) => e instanceof QlinearError && pattern.test(e.message));
  }
  assert.throws(() => loadModel('not bytes'), TypeError);
  assert.throws(() => loadModel(good, { activation: 'swish' }), TypeError);
  const model = loadModel(good);
  assert.ok(maxScaledDifference(model.forward(x, 5), expected.files['sequential_f32.safetensors'].output) <= 1e-5);
  model.dispose();
});

test("a file qlinear saved reports its own layer list as the layout, activations included", () => {
  const model = loadModel(read('sequential_f32.safetensors'), { activation: 'tanh' });
  const again = loadModel(model.save());
  assert.equal(again.layout.kind, 'qlinear');
  assert.deepEqual(again.layout.spec.layers.map((l) => [l.name, l.activation]), [['0', 'tanh'], ['2', 'tanh'], ['4', 'identity']]);
  for (const m of [model, again]) m.dispose();
});
