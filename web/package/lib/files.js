// Safetensors files: models in and out, and what a file holds.
import { wasmModule } from './loader.js';
import { unwrap } from './objects.js';
import { requireHeapRoom } from './heap.js';
import { readOptions } from './options.js';
import { ADOPT } from './layers.js';
import { Model } from './model.js';

function toBytes(bytes, where) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new TypeError(`${where}: expected the file's bytes (Uint8Array, ArrayBuffer or Buffer)`);
}

/**
 * A model from a safetensors file: one qlinear saved (fp32 or int8), a PyTorch nn.Sequential
 * state_dict (architecture from the keys; `activation` between layers, default 'relu'), or any
 * other naming with a `spec` ({ layers: [{ name, activation }] }, or its JSON text).
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
  return new Model([], { [ADOPT]: unwrap(wasm._loadModel(data, spec, opts)) });
}

/**
 * Every tensor of a safetensors file (name, dtype, shape, bytes, and the scheme of quantized
 * weights) and its __metadata__, after the same strict checks loadModel() makes.
 * @param {Uint8Array | ArrayBuffer} bytes
 */
export function inspectSafetensors(bytes) {
  return unwrap(wasmModule()._inspectSafetensors(toBytes(bytes, 'inspectSafetensors()')));
}

