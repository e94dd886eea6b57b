// Models in and out of safetensors through the JS API: PyTorch's files, round trips, and
// malformed files that must fail cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { init, loadModel, inspectSafetensors, Model, QlinearError } from '../../web/package/qlinear.js';
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

test('other namings need a spec (object or JSON text)', () => {
  const file = expected.files['named_gelu_f32.safetensors'];
  for (const spec of [file.spec, JSON.stringify(file.spec)]) {
    const model = loadModel(read('named_gelu_f32.safetensors'), { spec });
    assert.ok(maxScaledDifference(model.forward(x, 5), file.output) <= 1e-5);
    model.dispose();
  }
  assert.throws(() => loadModel(read('named_gelu_f32.safetensors')), (e) => e instanceof QlinearError && /pass a JSON spec/.test(e.message));
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
