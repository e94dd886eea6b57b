// Run by threads.test.mjs as `node forward-every-mode.mjs THREADS|default [SIMD]`: init({ threads, simd })
// and every forward mode on layers of odd shapes, large enough that the core splits them across
// threads (more than 128 K multiply-adds a thread); prints one JSON line: the build and a SHA-256
// of every output's bytes, case by case, which must depend neither on the thread count nor on the
// kernels (SIMD128 or relaxed SIMD).
import { createHash } from 'node:crypto';

import { init, capabilities, Linear, QuantLinear } from '../../../web/package/qlinear.js';
import { mulberry32 } from '../random.mjs';

// `default`: init() without the option.
const threads = process.argv[2] === 'default' ? undefined : Number(process.argv[2]);
const simd = process.argv[3];
await init({ ...(threads === undefined ? {} : { threads }), ...(simd ? { simd } : {}) });

const random = mulberry32(17);
const values = (n, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);

// [inFeatures, outFeatures, batch]: K and N from {17, 255, 1000}, batch from {1, 2, 3, 5, 64}.
const SHAPES = [[1000, 1000, 1], [1000, 1000, 2], [1000, 255, 3], [255, 1000, 5], [1000, 1000, 64], [17, 1000, 64],
  [1000, 17, 64], [255, 255, 64]];
const MODES = [
  { mode: 'weight-only' },
  { mode: 'dynamic' },
  { mode: 'dynamic', activations: 'pytorch' },
  { mode: 'dynamic', symmetric: false, perChannel: false },
  { mode: 'llm-int8' },
];
const hashes = {};
for (const [inFeatures, outFeatures, batch] of SHAPES) {
  const linear = new Linear({ inFeatures, outFeatures, weight: values(inFeatures * outFeatures, 0.1), bias: values(outFeatures) });
  const x = values(batch * inFeatures, 3);
  x[5] = 40; // an outlier column for llm-int8
  for (const options of MODES) {
    const layer = QuantLinear.fromLinear(linear, options);
    const y = layer.forward(x, batch);
    hashes[`${inFeatures}x${outFeatures} batch ${batch} ${JSON.stringify(options)}`] =
      createHash('sha256').update(new Uint8Array(y.buffer, y.byteOffset, y.byteLength)).digest('hex');
    layer.dispose();
  }
  const y = linear.forward(x, batch);
  hashes[`${inFeatures}x${outFeatures} batch ${batch} fp32`] = createHash('sha256').update(new Uint8Array(y.buffer)).digest('hex');
  linear.dispose();
}
const { build, threads: report } = capabilities();
console.log(JSON.stringify({ build, threads: report, hashes }));
