// Safetensors files: models in and out, and what a file holds.
import { wasmModule } from './loader.js';
import { unwrap } from './objects.js';
import { requireHeapRoom } from './heap.js';
import { readOptions } from './options.js';
import { ADOPT } from './layers.js';
import { Model } from './model.js';
import { checkKeys, toFloat32Array, integer } from './checks.js';

function toBytes(bytes, where) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new TypeError(`${where}: expected the file's bytes (Uint8Array, ArrayBuffer or Buffer)`);
}

/**
 * A model from a safetensors file: one qlinear saved (fp32 or int8), a PyTorch MLP state_dict
 * whose layout is inferred (nn.Sequential at the top or under a prefix, named layers chained by
 * shape, BatchNorm1d folded in; `activation` between layers, default 'relu'), or any other naming
 * with a `spec` ({ layers: [{ name, activation }] }, or its JSON text). `model.layout` says how.
 * @param {Uint8Array | ArrayBuffer} bytes
 * @param {import('../qlinear').LoadOptions} [options]
 */
export function loadModel(bytes, options = {}) {
  const where = 'loadModel()';
  const data = toBytes(bytes, where);
  const wasm = wasmModule();
  requireHeapRoom(wasm._loadModelBytes(data.byteLength), `loading a ${(data.byteLength / 2 ** 20).toFixed(1)} MiB file`);
  const opts = readOptions('LoadOptions', options, where, { extraKeys: ['spec'] });
  let spec = options.spec ?? null;
  if (spec !== null && typeof spec !== 'string') spec = JSON.stringify(spec);
  const { model, layout } = unwrap(wasm._loadModel(data, spec, opts));
  return new Model([], { [ADOPT]: model, layout });
}

/**
 * Every tensor of a safetensors file (name, dtype, shape, bytes, and the scheme of quantized
 * weights) and its __metadata__, after the same strict checks loadModel() makes.
 * @param {Uint8Array | ArrayBuffer} bytes
 */
export function inspectSafetensors(bytes) {
  return unwrap(wasmModule()._inspectSafetensors(toBytes(bytes, 'inspectSafetensors()')));
}


/**
 * (x − mean) / std for rows of `features` values (one mean/std, one per channel of planar
 * [C, H, W] input, or one per feature): a new Float32Array.
 * @param {ArrayLike<number>} x
 * @param {{ mean: ArrayLike<number>, std: ArrayLike<number> }} normalization
 * @param {number} features
 */
export function normalizeInputs(x, normalization, features) {
  const where = 'normalizeInputs()';
  checkKeys(normalization ?? {}, ['mean', 'std', 'key'], where);
  const list = (v, name) => toFloat32Array(typeof v === 'number' ? [v] : v, name);
  return unwrap(wasmModule()._normalizeInputs(toFloat32Array(x, 'x'), list(normalization.mean, 'mean'), list(normalization.std, 'std'),
    integer(features, 'features', where, { min: 1 })));
}
