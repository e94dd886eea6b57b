// qlinear: PyTorch-exact int8 quantization in WebAssembly.
//
// This module is the JavaScript face of the C++ core: it loads the wasm module, checks and
// fills in options, converts between typed arrays and the bindings, and turns the errors the
// bindings return into thrown QlinearError objects. The quantization math lives in C++.
import createQlinearModule from './dist/qlinear_wasm.mjs';

/** Thrown for every bad input qlinear detects; the module stays usable afterwards. */
export class QlinearError extends Error {
  constructor(message) {
    super(message);
    this.name = 'QlinearError';
  }
}

const isNode = typeof process === 'object' && !!process.versions?.node;
let modulePromise = null;
let wasm = null;

async function loadWasmBinaryInNode() {
  const { readFile } = await import('node:fs/promises');
  return readFile(new URL('./dist/qlinear_wasm.wasm', import.meta.url));
}

/**
 * Loads the WebAssembly module. Call (and await) it once before anything else; later calls
 * return the same promise.
 * @param {{ wasmUrl?: string | URL, wasmBinary?: ArrayBuffer | Uint8Array }} [options]
 */
export function init(options = {}) {
  try {
    checkKeys(options, ['wasmUrl', 'wasmBinary'], 'init()');
  } catch (e) {
    return Promise.reject(e);
  }
  if (modulePromise) return modulePromise;
  modulePromise = (async () => {
    const moduleArgs = {};
    if (options.wasmBinary) moduleArgs.wasmBinary = options.wasmBinary;
    // Emscripten 3.1.6's glue would try fetch() on a file path in Node 18+: hand it the bytes.
    else if (isNode && !options.wasmUrl) moduleArgs.wasmBinary = await loadWasmBinaryInNode();
    moduleArgs.locateFile = (path) =>
      path.endsWith('.wasm') && options.wasmUrl
        ? String(options.wasmUrl)
        : new URL(`./dist/${path}`, import.meta.url).href;
    wasm = await createQlinearModule(moduleArgs);
    return { version: VERSION };
  })();
  modulePromise.catch(() => {
    modulePromise = null; // a failed load may be retried, e.g. with another wasmUrl
  });
  return modulePromise;
}

export const VERSION = '0.1.0';

function module() {
  if (!wasm) throw new QlinearError('qlinear is not initialised: call `await init()` first');
  return wasm;
}

// The bindings return an Error object instead of throwing; this rethrows it as ours.
function unwrap(result) {
  if (result instanceof Error) throw new QlinearError(result.message);
  return result;
}

// ---- argument checking ---------------------------------------------------------------------

function checkKeys(options, allowed, where) {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  for (const key of Object.keys(options))
    if (!allowed.includes(key))
      throw new TypeError(`${where}: unknown option '${key}' (expected one of ${allowed.join(', ')})`);
}

function toFloat32Array(values, name) {
  if (values instanceof Float32Array) return values;
  if (ArrayBuffer.isView(values) || Array.isArray(values)) {
    for (let i = 0; i < values.length; i++)
      if (typeof values[i] !== 'number')
        throw new TypeError(`${name}[${i}] is ${typeof values[i]}, expected a number`);
    return Float32Array.from(values);
  }
  throw new TypeError(`${name} must be a Float32Array or an array of numbers`);
}

function toShape(shape, length, where) {
  if (shape === undefined) return Int32Array.of(length);
  if (!Array.isArray(shape) && !ArrayBuffer.isView(shape))
    throw new TypeError(`${where}: shape must be an array of non-negative integers`);
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0 || d > 0x7fffffff)
      throw new TypeError(`${where}: shape [${Array.from(shape).join(', ')}] must hold non-negative integers`);
  return Int32Array.from(shape);
}

function oneOf(value, allowed, name, where) {
  if (!allowed.includes(value))
    throw new TypeError(`${where}: ${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${JSON.stringify(value)}`);
  return value;
}

function bool(value, name, where) {
  if (typeof value !== 'boolean') throw new TypeError(`${where}: ${name} must be true or false`);
  return value;
}

function integer(value, name, where) {
  if (!Number.isInteger(value)) throw new TypeError(`${where}: ${name} must be an integer`);
  return value;
}

const DTYPES = ['qint8', 'quint8'];
const RANGES = ['full', 'restricted'];
const SCHEMES = ['per_tensor_affine', 'per_tensor_symmetric', 'per_channel_affine', 'per_channel_symmetric'];

function qparamsOptions(options, where) {
  checkKeys(options, ['shape', 'perChannel', 'axis', 'dtype', 'reduceRange', 'range'], where);
  return {
    perChannel: bool(options.perChannel ?? false, 'perChannel', where),
    axis: integer(options.axis ?? 0, 'axis', where),
    dtype: oneOf(options.dtype ?? 'qint8', DTYPES, 'dtype', where),
    reduceRange: bool(options.reduceRange ?? false, 'reduceRange', where),
    range: oneOf(options.range ?? 'full', RANGES, 'range', where),
  };
}

function checkQParams(qparams, where) {
  if (qparams === null || typeof qparams !== 'object')
    throw new TypeError(`${where}: qparams must be the object getSymmetricQParams() and friends return`);
  return {
    scale: toFloat32Array(qparams.scale, 'qparams.scale'),
    zeroPoint: Int32Array.from(qparams.zeroPoint ?? []),
    qmin: integer(qparams.qmin, 'qparams.qmin', where),
    qmax: integer(qparams.qmax, 'qparams.qmax', where),
    dtype: oneOf(qparams.dtype, DTYPES, 'qparams.dtype', where),
    scheme: oneOf(qparams.scheme, SCHEMES, 'qparams.scheme', where),
    axis: integer(qparams.axis, 'qparams.axis', where),
  };
}

function shapeOption(options, where) {
  checkKeys(options, ['shape'], where);
  return options.shape;
}

// ---- the tutorial's functions ------------------------------------------------------------

/**
 * Symmetric qparams as PyTorch's MinMaxObserver / PerChannelMinMaxObserver compute them.
 * @param {Float32Array | number[]} values
 * @param {import('./qlinear').QParamsOptions} [options]
 */
export function getSymmetricQParams(values, options = {}) {
  return getQParams(values, options, true, 'getSymmetricQParams()');
}

/** Affine (asymmetric) qparams; see getSymmetricQParams. */
export function getAsymmetricQParams(values, options = {}) {
  return getQParams(values, options, false, 'getAsymmetricQParams()');
}

function getQParams(values, options, symmetric, where) {
  const x = toFloat32Array(values, 'values');
  const opts = qparamsOptions(options, where);
  return unwrap(module()._getQParams(x, toShape(options.shape, x.length, where), symmetric, opts));
}

/** Integer values (Int8Array for qint8, Uint8Array for quint8), as torch.quantize_per_tensor/channel. */
export function quantizeTensor(values, qparams, options = {}) {
  const where = 'quantizeTensor()';
  const x = toFloat32Array(values, 'values');
  const shape = toShape(shapeOption(options, where), x.length, where);
  return unwrap(module()._quantize(x, shape, checkQParams(qparams, where)));
}

/** Float32Array of (q - zero_point) * scale, as Tensor.dequantize(). */
export function dequantizeTensor(qvalues, qparams, options = {}) {
  const where = 'dequantizeTensor()';
  if (!ArrayBuffer.isView(qvalues) && !Array.isArray(qvalues))
    throw new TypeError(`${where}: quantized values must be an Int8Array, a Uint8Array or an array of integers`);
  for (let i = 0; i < qvalues.length; i++)
    if (!Number.isInteger(qvalues[i]))
      throw new TypeError(`${where}: quantized value ${qvalues[i]} at index ${i} is not an integer`);
  const shape = toShape(shapeOption(options, where), qvalues.length, where);
  return unwrap(module()._dequantize(Int32Array.from(qvalues), shape, checkQParams(qparams, where)));
}

/** quantize then dequantize in one step, clamped to [qmin, qmax] as torch.fake_quantize_per_*_affine. */
export function fakeQuantize(values, qparams, options = {}) {
  const where = 'fakeQuantize()';
  const x = toFloat32Array(values, 'values');
  const shape = toShape(shapeOption(options, where), x.length, where);
  return unwrap(module()._fakeQuantize(x, shape, checkQParams(qparams, where)));
}

/** Max abs error, MSE, SQNR (dB) and cosine similarity of an approximation against its reference. */
export function errorMetrics(reference, approximation) {
  return unwrap(module()._errorMetrics(toFloat32Array(reference, 'reference'), toFloat32Array(approximation, 'approximation')));
}

// ---- PyTorch-style observers ---------------------------------------------------------------

// Frees wasm objects a caller forgot to dispose(); dispose() stays the way to free them promptly.
const leakedObservers = new FinalizationRegistry((handle) => handle.delete());

class Observer {
  #handle;
  #name;

  constructor(handle, name) {
    this.#handle = handle;
    this.#name = name;
    leakedObservers.register(this, handle, this);
  }

  handle() {
    if (!this.#handle) throw new QlinearError(`this ${this.#name} was disposed`);
    return this.#handle;
  }

  /**
   * PyTorch's forward(): records the running min/max and returns its input unchanged.
   * @param {Float32Array | number[]} values
   * @param {{ shape?: number[] }} [options]
   */
  forward(values, options = {}) {
    const where = `${this.#name}.forward()`;
    const x = toFloat32Array(values, 'values');
    unwrap(this.handle()._observe(x, toShape(shapeOption(options, where), x.length, where)));
    return values;
  }

  /** The qparams for everything observed so far (scale 1, zero point 0 before any data). */
  calculateQParams() {
    return unwrap(this.handle()._calculateQParams());
  }

  /** PyTorch's spelling of calculateQParams(). */
  calculate_qparams() {
    return this.calculateQParams();
  }

  get hasObserved() {
    return this.handle().hasObserved();
  }

  /** Frees the wasm object; the observer cannot be used afterwards. Safe to call twice. */
  dispose() {
    if (!this.#handle) return;
    leakedObservers.unregister(this);
    this.#handle.delete();
    this.#handle = null;
  }

  [Symbol.dispose]() {
    this.dispose();
  }
}

export class MinMaxObserver extends Observer {
  /** @param {import('./qlinear').MinMaxObserverOptions} [options] PyTorch's defaults: quint8, per_tensor_affine. */
  constructor(options = {}) {
    const where = 'new MinMaxObserver()';
    checkKeys(options, ['dtype', 'qscheme', 'reduceRange', 'range'], where);
    const opts = {
      dtype: oneOf(options.dtype ?? 'quint8', DTYPES, 'dtype', where),
      qscheme: oneOf(options.qscheme ?? 'per_tensor_affine', SCHEMES, 'qscheme', where),
      reduceRange: bool(options.reduceRange ?? false, 'reduceRange', where),
      range: oneOf(options.range ?? 'full', RANGES, 'range', where),
    };
    const m = module();
    unwrap(m._checkMinMaxObserverOptions(opts));
    super(new m.MinMaxObserver(opts), 'MinMaxObserver');
  }

  get minVal() {
    return this.handle().minVal();
  }

  get maxVal() {
    return this.handle().maxVal();
  }
}

export class PerChannelMinMaxObserver extends Observer {
  /** @param {import('./qlinear').PerChannelMinMaxObserverOptions} [options] PyTorch's defaults: quint8, per_channel_affine, chAxis 0. */
  constructor(options = {}) {
    const where = 'new PerChannelMinMaxObserver()';
    checkKeys(options, ['dtype', 'qscheme', 'reduceRange', 'chAxis', 'range'], where);
    const opts = {
      dtype: oneOf(options.dtype ?? 'quint8', DTYPES, 'dtype', where),
      qscheme: oneOf(options.qscheme ?? 'per_channel_affine', SCHEMES, 'qscheme', where),
      reduceRange: bool(options.reduceRange ?? false, 'reduceRange', where),
      chAxis: integer(options.chAxis ?? 0, 'chAxis', where),
      range: oneOf(options.range ?? 'full', RANGES, 'range', where),
    };
    const m = module();
    unwrap(m._checkPerChannelMinMaxObserverOptions(opts));
    super(new m.PerChannelMinMaxObserver(opts), 'PerChannelMinMaxObserver');
  }
}
