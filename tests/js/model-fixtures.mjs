// The PyTorch-made MLP fixtures (tools/make_model_fixtures.py) as typed arrays and layer specs.
import { readFileSync } from 'node:fs';

const doc = JSON.parse(readFileSync(new URL('../fixtures/mlp_models.json', import.meta.url), 'utf8'));

/** Little-endian float32 bytes in base64 → Float32Array. */
export function f32(b64) {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export const mlpFixtures = doc.models.map((m) => ({
  ...m,
  layerSpecs: m.layers.map((l, i) => ({
    name: l.name,
    inFeatures: l.in_features,
    outFeatures: l.out_features,
    weight: f32(l.weight_f32_b64),
    bias: f32(l.bias_f32_b64),
    activation: m.activations[i],
  })),
  inputs: m.inputs.map((i) => ({ name: i.name, batch: i.batch, values: f32(i.values_f32_b64) })),
}));

/** Largest |a − b| / (1 + |b|): a relative bound for outputs above 1, an absolute one below. */
export function maxScaledDifference(a, b) {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return worst;
}
