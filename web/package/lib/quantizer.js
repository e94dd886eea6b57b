// The tutorial's quantizer functions and PyTorch's observers.
import { checkKeys, toFloat32Array, toInt32Array, toShape, oneOf, integer, shapeOption } from './checks.js';
import { wasmModule } from './loader.js';
import { unwrap, WasmObject } from './objects.js';
import { readOptions, choicesOf } from './options.js';

function checkQParams(qparams, where) {
  if (qparams === null || typeof qparams !== 'object')
    throw new TypeError(`${where}: qparams must be the object getSymmetricQParams() and friends return`);
  return {
    scale: toFloat32Array(qparams.scale, 'qparams.scale'),
    zeroPoint: toInt32Array(qparams.zeroPoint, 'qparams.zeroPoint', where),
    qmin: integer(qparams.qmin, 'qparams.qmin', where),
    qmax: integer(qparams.qmax, 'qparams.qmax', where),
    dtype: oneOf(qparams.dtype, choicesOf('QuantDtype'), 'qparams.dtype', where),
    scheme: oneOf(qparams.scheme, choicesOf('QScheme'), 'qparams.scheme', where),
    axis: integer(qparams.axis, 'qparams.axis', where),
  };
}

// ---- the tutorial's functions ------------------------------------------------------------

/**
 * Symmetric qparams as PyTorch's MinMaxObserver / PerChannelMinMaxObserver compute them.
 * @param {Float32Array | number[]} values
 * @param {import('../qlinear').QParamsOptions} [options]
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
  const opts = readOptions('QParamsOptions', options, where, { extraKeys: ['shape'] });
  return unwrap(wasmModule()._getQParams(x, toShape(options.shape, x.length, where), symmetric, opts));
}

/** Integer values (Int8Array for qint8, Uint8Array for quint8), as torch.quantize_per_tensor/channel. */
export function quantizeTensor(values, qparams, options = {}) {
  const where = 'quantizeTensor()';
  const x = toFloat32Array(values, 'values');
  const shape = toShape(shapeOption(options, where), x.length, where);
  return unwrap(wasmModule()._quantize(x, shape, checkQParams(qparams, where)));
}

/** Float32Array of (q - zero_point) * scale, as Tensor.dequantize(). */
export function dequantizeTensor(qvalues, qparams, options = {}) {
  const where = 'dequantizeTensor()';
  const q = toInt32Array(qvalues, 'quantized values', where);
  const shape = toShape(shapeOption(options, where), q.length, where);
  return unwrap(wasmModule()._dequantize(q, shape, checkQParams(qparams, where)));
}

/** quantize then dequantize in one step, clamped to [qmin, qmax] as torch.fake_quantize_per_*_affine. */
export function fakeQuantize(values, qparams, options = {}) {
  const where = 'fakeQuantize()';
  const x = toFloat32Array(values, 'values');
  const shape = toShape(shapeOption(options, where), x.length, where);
  return unwrap(wasmModule()._fakeQuantize(x, shape, checkQParams(qparams, where)));
}

/** Max abs error, MSE, SQNR (dB) and cosine similarity of an approximation against its reference. */
export function errorMetrics(reference, approximation) {
  return unwrap(wasmModule()._errorMetrics(toFloat32Array(reference, 'reference'), toFloat32Array(approximation, 'approximation')));
}

// ---- PyTorch-style observers ---------------------------------------------------------------

class Observer extends WasmObject {
  #name;

  constructor(handle, name) {
    super(handle, name);
    this.#name = name;
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
}

export class MinMaxObserver extends Observer {
  /** @param {import('../qlinear').MinMaxObserverOptions} [options] PyTorch's defaults: quint8, per_tensor_affine. */
  constructor(options = {}) {
    const where = 'new MinMaxObserver()';
    const opts = readOptions('MinMaxObserverOptions', options, where);
    const m = wasmModule();
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
  /** @param {import('../qlinear').PerChannelMinMaxObserverOptions} [options] PyTorch's defaults: quint8, per_channel_affine, chAxis 0. */
  constructor(options = {}) {
    const where = 'new PerChannelMinMaxObserver()';
    const opts = readOptions('PerChannelMinMaxObserverOptions', options, where);
    const m = wasmModule();
    unwrap(m._checkPerChannelMinMaxObserverOptions(opts));
    super(new m.PerChannelMinMaxObserver(opts), 'PerChannelMinMaxObserver');
  }
}
