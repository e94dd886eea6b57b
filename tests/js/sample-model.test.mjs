// The bundled Fashion-MNIST model (web/demo/models/, trained by tools/train_sample_model.py with
// PyTorch) on the 10,000 test images: qlinear reproduces PyTorch's fp32 result, and int8
// per-channel symmetric weights cost at most half a percentage point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { init, loadModel } from '../../web/package/qlinear.js';
import { fashionMnistTestSet, accuracy } from './fashion-mnist.mjs';
import { maxScaledDifference } from './model-fixtures.mjs';

await init();

const modelBytes = readFileSync(new URL('../../web/demo/models/fashion_mnist_mlp.safetensors', import.meta.url));
const meta = JSON.parse(readFileSync(new URL('../../web/demo/models/fashion_mnist_mlp.json', import.meta.url), 'utf8'));
const testSet = fashionMnistTestSet();

test('the PyTorch-trained sample loads with no spec and gives PyTorch logits (1e-5)', () => {
  const model = loadModel(modelBytes);
  const first = model.forward(testSet.pixels.subarray(0, 4 * 784), 4);
  assert.ok(maxScaledDifference(first, meta.first_test_logits.flat()) <= 1e-5);
  model.dispose();
});

test('accuracy on the 10,000 test images: fp32 as PyTorch, int8 within 0.5 points', (t) => {
  assert.equal(testSet.count, 10000);
  const model = loadModel(modelBytes);
  const int8 = model.quantize({ symmetric: true, perChannel: true });
  const fp32Accuracy = accuracy(model.forward(testSet.pixels, testSet.count), testSet.labels, 10);
  const int8Accuracy = accuracy(int8.forward(testSet.pixels, testSet.count), testSet.labels, 10);
  t.diagnostic(`Fashion-MNIST test accuracy: fp32 ${(fp32Accuracy * 100).toFixed(2)}%, ` +
    `int8 weight-only per-channel symmetric ${(int8Accuracy * 100).toFixed(2)}% ` +
    `(PyTorch: fp32 ${(meta.fp32_test_accuracy * 100).toFixed(2)}%, int8 ${(meta.pytorch_weight_only_int8_test_accuracy * 100).toFixed(2)}%)`);
  assert.equal(fp32Accuracy, meta.fp32_test_accuracy);
  assert.ok(Math.abs(int8Accuracy - fp32Accuracy) <= 0.005, `${int8Accuracy} vs ${fp32Accuracy}`);
  const dynamic = model.quantize({ mode: 'dynamic' });
  const dynamicAccuracy = accuracy(dynamic.forward(testSet.pixels, testSet.count), testSet.labels, 10);
  t.diagnostic(`int8 dynamic (W8A8, per-row activations) ${(dynamicAccuracy * 100).toFixed(2)}%`);
  assert.ok(Math.abs(dynamicAccuracy - fp32Accuracy) <= 0.01);
  for (const m of [model, int8, dynamic]) m.dispose();
});
