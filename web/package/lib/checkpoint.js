// Checkpoints of any size, quantized as they stream: a Checkpoint reads a safetensors file (or the
// shards of a model.safetensors.index.json) tensor by tensor, and quantize() writes the
// bitsandbytes, compressed-tensors or qlinear state dict through a write function, header first.
// Memory: the largest quantized tensor in float32 plus its int8, whatever the file's size.
import { checkKeys } from './checks.js';
import { wasmModule } from './loader.js';
import { unwrap, WasmObject } from './objects.js';
import { readOptions } from './options.js';

const ADOPT = Symbol('adopt a checkpoint handle');

function checkFile(file, where) {
  if (file === null || typeof file !== 'object' || typeof file.name !== 'string' || typeof file.read !== 'function' ||
      !Number.isSafeInteger(file.size) || file.size < 0)
    throw new TypeError(`${where}: a file is { name: string, size: number, read(offset, target) }`);
  return file;
}

// The read function the core calls: the file's bytes straight into the heap. It returns what went
// wrong instead of throwing, since an exception must not unwind through wasm frames.
function heapReader(file) {
  const wasm = wasmModule();
  return {
    name: file.name,
    size: file.size,
    read(offset, length, address) {
      try {
        file.read(offset, wasm.HEAPU8.subarray(address, address + length)); // HEAPU8 now: the heap may have grown
        return '';
      } catch (e) {
        return String(e?.message ?? e);
      }
    },
  };
}

export class Checkpoint extends WasmObject {
  constructor(adopt) {
    if (!adopt?.[ADOPT]) throw new TypeError('use Checkpoint.open(files, options) to open a checkpoint');
    super(adopt[ADOPT], 'Checkpoint');
  }

  /**
   * Opens a checkpoint, reading its headers only. `files`: one safetensors file, or the shards
   * an index names, each { name, size, read(offset, target) } where read fills the Uint8Array
   * `target` with the file's bytes from `offset` (synchronously: fs.readSync in Node,
   * FileReaderSync on a Blob in a Worker). `index`: { name, text } of model.safetensors.index.json.
   * @param {import('../qlinear').CheckpointFile | import('../qlinear').CheckpointFile[]} files
   * @param {{ index?: { name: string, text: string } }} [options]
   */
  static open(files, options = {}) {
    const where = 'Checkpoint.open()';
    checkKeys(options, ['index'], where);
    const list = (Array.isArray(files) ? files : [files]).map((f) => checkFile(f, where));
    const { index = null } = options;
    if (index !== null && (typeof index?.name !== 'string' || typeof index?.text !== 'string'))
      throw new TypeError(`${where}: index is { name, text } of a model.safetensors.index.json`);
    if (index === null && list.length !== 1)
      throw new TypeError(`${where}: ${list.length} files need the index that says which tensors each holds`);
    const handle = unwrap(wasmModule()._openCheckpoint(list.map(heapReader), index?.name ?? null, index?.text ?? null));
    return new Checkpoint({ [ADOPT]: handle });
  }

  /** Every tensor: name, dtype, shape, bytes and the file it is in. */
  get tensors() { return this.handle()._tensors(); }
  /** The first file's __metadata__. */
  get metadata() { return this.handle()._metadata(); }

  /**
   * What inspectSafetensors() says of a whole file (every tensor's name, dtype, shape, bytes and
   * the scheme of qlinear's quantized weights; the metadata; the size), from the headers alone.
   */
  summary() { return unwrap(this.handle()._summary()); }

  /**
   * Which tensors are quantized (the linear layers, as transformers + bitsandbytes choose them)
   * and why each other one is kept. `config`: config.json's text; `exclude` / `include`: module
   * name patterns (`*` within a dotted part, `**` across); a pattern that matches nothing throws.
   * @param {{ config?: string, exclude?: string[], include?: string[] }} [options]
   */
  plan(options = {}) {
    const where = 'Checkpoint.plan()';
    checkKeys(options, ['config', 'exclude', 'include'], where);
    const { config = '', exclude = [], include = [] } = options;
    if (typeof config !== 'string') throw new TypeError(`${where}: config is config.json's text`);
    for (const [name, list] of [['exclude', exclude], ['include', include]])
      if (!Array.isArray(list) || list.some((p) => typeof p !== 'string'))
        throw new TypeError(`${where}: ${name} must be an array of module-name patterns`);
    return unwrap(this.handle()._plan({ config, exclude, include }));
  }

  /**
   * Writes the quantized checkpoint: `write(bytes)` gets it piece by piece, header first (a view
   * into the wasm heap, valid during the call: write or copy it then), `onProgress(report)` follows
   * each tensor. Returns the bytes written. Throws a QlinearError naming the file and tensor
   * when a read, a write or a weight fails.
   * @param {import('../qlinear').CheckpointPlan} plan from plan()
   * @param {import('../qlinear').CheckpointOptions} [options]
   * @param {{ write: (bytes: Uint8Array) => void, onProgress?: (report: object) => void }} io
   */
  quantize(plan, options = {}, io = {}) {
    const where = 'Checkpoint.quantize()';
    const opts = readOptions('CheckpointOptions', options, where);
    checkKeys(io, ['write', 'onProgress'], where);
    if (typeof io.write !== 'function') throw new TypeError(`${where}: needs { write(bytes) } to put the output somewhere`);
    const wasm = wasmModule();
    let failed = null; // what onProgress threw: reported at the next write, which stops the work
    const write = (address, length) => {
      if (failed) return `onProgress threw: ${failed?.message ?? failed}`;
      try {
        io.write(wasm.HEAPU8.subarray(address, address + length));
        return '';
      } catch (e) {
        return String(e?.message ?? e);
      }
    };
    const names = this.tensors.map((t) => t.name);
    const progress = (report) => {
      try {
        io.onProgress?.({ ...report, name: names[report.tensor] });
      } catch (e) {
        failed = e;
      }
    };
    const written = unwrap(this.handle()._quantize(plan, opts, write, progress));
    if (failed) throw failed;
    return written;
  }
}

/**
 * The quantization_config config.json needs to load the output of `plan` in `format`
 * (transformers' BitsAndBytesConfig, or compressed-tensors' for vLLM), or null for 'qlinear'.
 */
export function quantizationConfig(plan, format) {
  const { format: checked } = readOptions('CheckpointOptions', { format }, 'quantizationConfig()');
  const text = unwrap(wasmModule()._quantizationConfig(checked, plan));
  return text ? JSON.parse(text) : null;
}

/**
 * The config.json to save beside an output of `plan` in `format`: the source's (its text, or ''),
 * with the format's quantization_config, and torch_dtype float16 when bitsandbytes wrote the other
 * tensors in float16 (as transformers records a load_in_8bit model).
 * @param {string} sourceConfig
 * @param {import('../qlinear').CheckpointPlan} plan
 * @param {{ format: import('../qlinear').CheckpointFormat, keepDtype?: boolean }} options
 */
export function outputConfig(sourceConfig, plan, options) {
  const where = 'outputConfig()';
  const { format, keepDtype } = readOptions('CheckpointOptions', options, where);
  let config = {};
  if (sourceConfig) {
    try {
      config = JSON.parse(sourceConfig);
    } catch (e) {
      throw new TypeError(`${where}: config.json is not valid JSON: ${e.message}`);
    }
  }
  const quantization = quantizationConfig(plan, format);
  if (quantization) config.quantization_config = quantization;
  if (format === 'bitsandbytes' && !keepDtype) config.torch_dtype = 'float16';
  return config;
}
