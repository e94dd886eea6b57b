// Linear and QuantLinear: wasm-owned layers with a typed-array API.
import { checkKeys, toFloat32Array, oneOf, integer, finiteNumber } from './checks.js';
import { wasmModule } from './loader.js';
import { unwrap, WasmObject } from './objects.js';
import { requireHeapRoom, forwardThroughHeap } from './heap.js';
import { readOptions, choicesOf } from './options.js';

// Lets the package wrap handles it made itself; users cannot forge it.
export const ADOPT = Symbol('adopt a wasm handle');

export class Linear extends WasmObject {
  #outFeatures;

  /**
   * An fp32 layer, y = x·Wᵀ + b, weight row-major [outFeatures, inFeatures] as in PyTorch.
   * @param {import('../qlinear').LinearInit} init
   */
  constructor(init) {
    const where = 'new Linear()';
    checkKeys(init ?? {}, ['inFeatures', 'outFeatures', 'weight', 'bias'], where);
    const { inFeatures, outFeatures, weight, bias } = init ?? {};
    integer(inFeatures, 'inFeatures', where, { min: 1 });
    integer(outFeatures, 'outFeatures', where, { min: 1 });
    const w = toFloat32Array(weight, 'weight');
    const b = bias == null ? new Float32Array(0) : toFloat32Array(bias, 'bias');
    // Embind copies the typed arrays into vectors, which the layer then takes over: twice their
    // size at the peak.
    requireHeapRoom(2 * (w.byteLength + b.byteLength), `a ${outFeatures}x${inFeatures} Linear layer`);
    super(unwrap(wasmModule()._makeLinear(inFeatures, outFeatures, w, b)), 'Linear');
    this.#outFeatures = outFeatures;
  }

  get inFeatures() { return this.handle()._inFeatures(); }
  get outFeatures() { return this.handle()._outFeatures(); }
  /** A copy of the weight. */
  get weight() { return unwrap(this.handle()._weight()); }
  /** A copy of the bias, or null without one. */
  get bias() { const b = unwrap(this.handle()._bias()); return b.length ? b : null; }

  /** @param {Float32Array | number[]} x row-major [batch, inFeatures] */
  forward(x, batch = 1, options = {}) {
    return forwardThroughHeap(this.handle(), x, batch, 'Linear.forward()', this.#outFeatures, false, options);
  }
}

export class QuantLinear extends WasmObject {
  #outFeatures;

  constructor(adopt) {
    if (!adopt?.[ADOPT]) throw new TypeError('use QuantLinear.fromLinear(linear, options) to make a QuantLinear');
    super(adopt[ADOPT], 'QuantLinear');
    this.#outFeatures = this.handle()._outFeatures();
  }

  /**
   * Quantizes a Linear's weight (PyTorch's observers) and keeps the integers, scales, zero
   * points and fp32 bias; no fp32 weight is kept.
   * @param {Linear} linear
   * @param {import('../qlinear').QuantizeOptions} [options]
   */
  static fromLinear(linear, options = {}) {
    if (!(linear instanceof Linear)) throw new TypeError('QuantLinear.fromLinear() takes a Linear');
    const opts = readOptions('QuantizeOptions', options, 'QuantLinear.fromLinear()');
    return new QuantLinear({ [ADOPT]: unwrap(wasmModule()._quantLinearFromLinear(linear.handle(), opts, null)) });
  }

  get inFeatures() { return this.handle()._inFeatures(); }
  get outFeatures() { return this.handle()._outFeatures(); }
  /** The integers (Int8Array for qint8, Uint8Array for quint8), row-major [out, in]. */
  get weight() { return unwrap(this.handle()._weight()).values; }
  get qparams() { return unwrap(this.handle()._qparams()); }
  /** PyTorch's int_repr() with its qparams: { values (Int8Array / Uint8Array), shape, qparams }. */
  intRepr() { return unwrap(this.handle()._weight()); }
  get bias() { const b = unwrap(this.handle()._bias()); return b.length ? b : null; }
  /** Bytes held in wasm: integers, scales, zero points and bias. */
  get bytes() { return this.handle()._bytes(); }
  /** 'weight-only' (W8A32), 'dynamic', 'llm-int8' or 'static' (W8A8). */
  get mode() { return this.handle()._mode(); }
  set mode(mode) {
    unwrap(this.handle()._setMode(oneOf(mode, choicesOf('ForwardMode'), 'mode', 'QuantLinear.mode')));
  }
  /** Dynamic mode's activation quantization: 'per-row' or 'pytorch'. */
  get activations() { return this.handle()._activations(); }
  /** llm-int8: input columns with any |x| >= this go through fp32 (0: none). */
  get outlierThreshold() { return this.handle()._outlierThreshold(); }
  set outlierThreshold(threshold) {
    unwrap(this.handle()._setOutlierThreshold(finiteNumber(threshold, 'outlierThreshold', 'QuantLinear.outlierThreshold', { min: 0 })));
  }
  /** How many outlier columns the last llm-int8 forward found; null before any forward. */
  get lastOutlierColumns() { return unwrap(this.handle()._lastOutlierColumns()); }
  /** Static mode's calibrated input qparams (per-tensor quint8), or null. */
  get inputQParams() { return unwrap(this.handle()._inputQParams()); }
  /**
   * The quint8 scale and zero point each row of x gets when forward(x, batch) quantizes it in
   * this layer's mode (see Model.activationQParams); throws in weight-only mode.
   * @returns {{ scale: Float32Array, zeroPoint: Int32Array }}
   */
  activationQParams(x, batch = 1) {
    const where = 'QuantLinear.activationQParams()';
    return unwrap(this.handle()._activationQParams(toFloat32Array(x, 'x'), integer(batch, 'batch', where)));
  }

  forward(x, batch = 1, options = {}) {
    return forwardThroughHeap(this.handle(), x, batch, 'QuantLinear.forward()', this.#outFeatures, false, options);
  }
}
