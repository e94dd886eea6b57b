// The second tutorial's scenario in JavaScript: FourLayerModel (64→128→256→128→1→9, ReLU after
// all but the last), quantized weight-only to int8, fp32 and int8 outputs compared.
// The weights and the input are PyTorch's (tests/fixtures/mlp_models.json, fixed seed).
//
//   node examples/four_layer_model.mjs
import { readFileSync } from 'node:fs';
import { init, Model } from 'qlinear';

const fixture = JSON.parse(readFileSync(new URL('../tests/fixtures/mlp_models.json', import.meta.url), 'utf8'))
  .models.find((m) => m.name === 'four_layer');
const f32 = (b64) => new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer);

await init();

// Each layer: its PyTorch weight [out, in] and bias, and the activation after it.
const model = new Model(fixture.layers.map((layer, i) => ({
  name: layer.name,
  inFeatures: layer.in_features,
  outFeatures: layer.out_features,
  weight: f32(layer.weight_f32_b64),
  bias: f32(layer.bias_f32_b64),
  activation: fixture.activations[i],
})));
// torch.randn(8, 64). The model squeezes everything through layer4's single ReLU unit: for
// rows where it is 0 the output is layer5's bias alone, in fp32 and int8 alike. Row 2 is live.
const { batch, values_f32_b64: b64 } = fixture.inputs.find((i) => i.name === 'batch_8');
const input = f32(b64);
const ROW = 2;
const row = (values) => values.subarray(ROW * 9, ROW * 9 + 9);
const fmt = (values) => `[${Array.from(values, (v) => v.toFixed(4)).join(', ')}]`;

const output = model.forward(input, batch);
console.log(`fp32 output, row ${ROW}:`, fmt(row(output)));

for (const exclude of [[], ['layer1', 'layer5']]) {
  const q = model.quantize({ symmetric: true, perChannel: true }, exclude); // the original stays fp32
  const symOutput = q.forward(input, batch);
  const err = Array.from(row(output), (v, i) => (v - row(symOutput)[i]) * 1000);
  const { comparison, bytes, bytesFp32 } = q.report({ reference: model, input, batch });
  console.log(`\nint8 weight-only, per-channel symmetric, excluding [${exclude.join(', ')}]:`);
  console.log(`int8 output, row ${ROW}:`, fmt(row(symOutput)));
  console.log('err x 1000:         ', fmt(err));
  console.log(`all ${batch} rows: max abs error ${comparison.outputError.maxAbsError.toExponential(2)}, ` +
    `SQNR ${comparison.outputError.sqnrDb.toFixed(1)} dB, argmax agreement ${comparison.argmaxAgreement * 100}%, ` +
    `parameters ${bytesFp32} -> ${bytes} bytes (${((bytes / bytesFp32) * 100).toFixed(1)}%)`);
  q.dispose();
}
model.dispose();
