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
  const get = symmetric ? wasmModule()._getSymmetricQParams : wasmModule()._getAsymmetricQParams;
  return unwrap(get(x, toShape(options.shape, x.length, where), opts));
}

/** Integer values (Int8Array for qint8, Uint8Array for quint8), as torch.quantize_per_tensor/channel. */
export function quantizeTensor(values, qparams, options = {}) {
  const where = 'quantizeTensor()';
  const x = toFloat32Array(values, 'values');
  const shape = toShape(shapeOption(options, where), x.length, where);
  return unwrap(wasmModule()._quantize(x, checkQParams(qparams, where), shape)).values;
}

/**
 * torch.quantize_per_tensor(x, scale, zero_point, dtype): the integers, with the numbers given.
 * @param {Float32Array | number[]} values
 * @param {number} scale
 * @param {number} zeroPoint
 * @param {'qint8' | 'quint8'} [dtype]
 */
export function quantizePerTensor(values, scale, zeroPoint, dtype = 'quint8') {
  const where = 'quantizePerTensor()';
  if (typeof scale !== 'number') throw new TypeError(`${where}: scale must be a number`);
  const qparams = givenQParams(where, dtype, [scale], [integer(zeroPoint, 'zeroPoint', where)], -1);
  return quantizeTensor(values, qparams);
}

/**
 * torch.quantize_per_channel(x, scales, zero_points, axis, dtype) for a tensor of `shape`.
 * @param {Float32Array | number[]} values
 * @param {ArrayLike<number>} scales
 * @param {ArrayLike<number>} zeroPoints
 * @param {number} axis
 * @param {'qint8' | 'quint8'} dtype
 * @param {{ shape: number[] }} options
 */
export function quantizePerChannel(values, scales, zeroPoints, axis, dtype, options) {
  const where = 'quantizePerChannel()';
  checkKeys(options ?? {}, ['shape'], where);
  if (options?.shape === undefined) throw new TypeError(`${where}: { shape } is required: the channels lie along an axis of it`);
  const qparams = givenQParams(where, dtype, scales, zeroPoints, integer(axis, 'axis', where, { min: 0 }));
  return quantizeTensor(values, qparams, { shape: options.shape });
}

function givenQParams(where, dtype, scales, zeroPoints, axis) {
  oneOf(dtype, choicesOf('QuantDtype'), 'dtype', where);
  return unwrap(wasmModule()._givenQParams(dtype, toFloat32Array(scales, 'scales'), toInt32Array(zeroPoints, 'zeroPoints', where), axis));
}

/**
 * torch._choose_qparams_per_tensor(x, reduce_range): the quint8 scale (a double, as PyTorch
 * returns it) and zero point that PyTorch's dynamic Linear quantizes an input with; `reduceRange`
 * defaults to true, as nn.quantized.dynamic.Linear passes it.
 * @param {Float32Array | number[]} values
 * @param {{ reduceRange?: boolean }} [options]
 */
export function chooseQParams(values, options = {}) {
  const where = 'chooseQParams()';
  checkKeys(options, ['reduceRange'], where);
  const reduceRange = options.reduceRange ?? true;
  if (typeof reduceRange !== 'boolean') throw new TypeError(`${where}: reduceRange must be a boolean`);
  return unwrap(wasmModule()._chooseQParamsPerTensor(toFloat32Array(values, 'values'), reduceRange));
}

/** Float32Array of (q - zero_point) * scale, as Tensor.dequantize(). */
export function dequantizeTensor(qvalues, qparams, options = {}) {
  const where = 'dequantizeTensor()';
  const q = toInt32Array(qvalues, 'quantized values', where);
  const shape = toShape(shapeOption(options, where), q.length, where);
  return unwrap(wasmModule()._dequantize(q, checkQParams(qparams, where), shape));
}

/** quantize then dequantize in one step, clamped to [qmin, qmax] as torch.fake_quantize_per_*_affine. */
export function fakeQuantize(values, qparams, options = {}) {
  const where = 'fakeQuantize()';
  const x = toFloat32Array(values, 'values');
  const shape = toShape(shapeOption(options, where), x.length, where);
  return unwrap(wasmModule()._fakeQuantize(x, checkQParams(qparams, where), shape));
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

  /**
   * PyTorch's forward(), on a tensor of `shape`. The shape is required for more than one value: a
   * flat array without it would be a 1-D tensor, every element its own channel (what PyTorch does
   * with a 1-D tensor, and never what a JS caller holding a flat [out, in] weight means).
   * @param {Float32Array | number[]} values
   * @param {{ shape: number[] }} options
   */
  forward(values, options = {}) {
    if (options?.shape === undefined && (values?.length ?? 0) > 1)
      throw new TypeError('PerChannelMinMaxObserver.forward(): pass { shape } (e.g. [out, in]); without it a flat array is one ' +
        'channel per element, as PyTorch treats a 1-D tensor — pass { shape: [n] } if that is what you mean');
    return super.forward(values, options);
  }
}

export class HistogramObserver extends Observer {
  /**
   * PyTorch's HistogramObserver (1.13, bit for bit): a running histogram, and qparams from the
   * range with the least L2 quantization error. Per tensor only.
   * @param {import('../qlinear').HistogramObserverOptions} [options] PyTorch's defaults: 2048 bins, upsampleRate 128, quint8, per_tensor_affine.
   */
  constructor(options = {}) {
    const where = 'new HistogramObserver()';
    const opts = readOptions('HistogramObserverOptions', options, where);
    const m = wasmModule();
    unwrap(m._checkHistogramObserverOptions(opts));
    super(new m.HistogramObserver(opts), 'HistogramObserver');
  }

  /** The smallest value seen (0 before any data). */
  get minVal() {
    return this.handle().minVal();
  }

  /** The largest value seen (its top may have been relaxed upward by a merge, as PyTorch does). */
  get maxVal() {
    return this.handle().maxVal();
  }

  /** The bin counts over [minVal, maxVal] (a copy; fractional after the range has grown). */
  get histogram() {
    return this.handle().histogram();
  }
}
