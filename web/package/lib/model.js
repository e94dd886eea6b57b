// Model: an MLP of named wasm-owned layers, each followed by an activation.
import { checkKeys, toFloat32Array, oneOf, integer, finiteNumber } from './checks.js';
import { wasmModule } from './loader.js';
import { unwrap, WasmObject } from './objects.js';
import { requireHeapRoom, forwardThroughHeap } from './heap.js';
import { readOptions, choicesOf } from './options.js';
import { Linear, QuantLinear, ADOPT } from './layers.js';
import { PreparedModel } from './calibration.js';

export class Model extends WasmObject {
  #outFeatures = 0; // the last layer's: the size of forward()'s output
  #layout = null; // how loadModel() found the layers

  /**
   * An MLP: named layers in order, each followed by an activation.
   * @param {import('../qlinear').LayerSpec[]} [layers]
   */
  constructor(layers = [], adopt = undefined) {
    if (!Array.isArray(layers)) throw new TypeError('new Model() takes an array of layer specs');
    super(adopt?.[ADOPT] ?? new (wasmModule().Model)(), 'Model');
    if (adopt) this.#outFeatures = this.handle()._outFeatures();
    this.#layout = adopt?.layout ?? null;
    try {
      for (const spec of layers) this.add(spec);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /**
   * Appends a layer: `{ name, linear, activation }` with a Linear or QuantLinear (copied), or
   * `{ name, inFeatures, outFeatures, weight, bias, activation }`. Returns the model.
   * @param {import('../qlinear').LayerSpec} spec
   */
  add(spec) {
    const where = 'Model.add()';
    checkKeys(spec ?? {}, ['name', 'activation', 'linear', 'inFeatures', 'outFeatures', 'weight', 'bias'], where);
    if (typeof spec.name !== 'string') throw new TypeError(`${where}: every layer needs a name (a string)`);
    const activation = oneOf(spec.activation ?? 'identity', choicesOf('ActivationName'), 'activation', where);
    const model = this.handle();
    if (spec.linear === undefined) {
      const { inFeatures, outFeatures, weight, bias } = spec;
      const linear = new Linear({ inFeatures, outFeatures, weight, bias });
      try {
        unwrap(model._addLinear(spec.name, linear.handle(), activation));
      } finally {
        linear.dispose();
      }
      this.#outFeatures = model._outFeatures();
      return this;
    }
    for (const key of ['inFeatures', 'outFeatures', 'weight', 'bias'])
      if (spec[key] !== undefined)
        throw new TypeError(`${where}: give either 'linear' or the weight fields ('${key}', ...), not both`);
    if (spec.linear instanceof QuantLinear) unwrap(model._addQuantLinear(spec.name, spec.linear.handle(), activation));
    else if (spec.linear instanceof Linear) unwrap(model._addLinear(spec.name, spec.linear.handle(), activation));
    else throw new TypeError(`${where}: 'linear' must be a Linear or a QuantLinear`);
    this.#outFeatures = model._outFeatures();
    return this;
  }

  get inFeatures() { return this.handle()._inFeatures(); }
  get outFeatures() { return this.handle()._outFeatures(); }
  get layerCount() { return this.handle()._layerCount(); }

  /**
   * The weight a layer computes with, row-major [out, in]: the fp32 weight, or for a quantized
   * layer its integers dequantized ((q − z)·s). A copy; compare two models' to see the error.
   */
  layerWeight(layerName) {
    const name = String(layerName);
    const layer = this.report().layers.find((l) => l.name === name);
    if (layer) requireHeapRoom(4 * layer.inFeatures * layer.outFeatures, `the weight of layer '${name}'`);
    return unwrap(this.handle()._layerWeight(name));
  }

  /** A quantized layer's int_repr(): { values (Int8Array / Uint8Array), shape, qparams }; null for fp32. */
  layerIntRepr(layerName) {
    return unwrap(this.handle()._layerIntRepr(String(layerName)));
  }

  /** The weight qparams of a quantized layer, or null for an fp32 one. */
  qparams(layerName) {
    return unwrap(this.handle()._layerQParams(String(layerName)));
  }

  /** @param {Float32Array | number[]} x row-major [batch, inFeatures] → Float32Array [batch, outFeatures] */
  forward(x, batch = 1, options = {}) {
    return forwardThroughHeap(this.handle(), x, batch, 'Model.forward()', this.#outFeatures, false, options);
  }

  /**
   * Per layer, the quint8 scale and zero point each input row gets when a forward of x quantizes
   * it (dynamic mode: computed from what reaches the layer, per row or PyTorch's per tensor;
   * static: the calibrated pair; llm-int8: absmax / 127 with zero point 128); null for fp32 and
   * weight-only layers. Nothing else is computed: the qparams a forward would use, to check.
   * @returns {({ scale: Float32Array, zeroPoint: Int32Array } | null)[]}
   */
  activationQParams(x, batch = 1) {
    const where = 'Model.activationQParams()';
    return unwrap(this.handle()._activationQParams(toFloat32Array(x, 'x'), integer(batch, 'batch', where)));
  }

  /** Every layer's output (after its activation), first to last. */
  forwardEachLayer(x, batch = 1) {
    const widths = Array.from(this.handle()._layerOutFeatures());
    const total = widths.reduce((a, b) => a + b, 0);
    const all = forwardThroughHeap(this.handle(), x, batch, 'Model.forwardEachLayer()', total, true);
    const rows = Math.max(batch, 0);
    let at = 0;
    return widths.map((w) => all.slice(at, (at += rows * w)));
  }

  /**
   * The tutorial's quantize_model_weights: a new model with every fp32 layer not in `exclude`
   * replaced by a QuantLinear. This model is left as it is. Unknown names in `exclude` throw.
   * @param {import('../qlinear').QuantizeOptions} [options]
   * @param {string[]} [exclude]
   */
  quantize(options = {}, exclude = []) {
    const where = 'Model.quantize()';
    const opts = readOptions('QuantizeOptions', options, where);
    if (!Array.isArray(exclude) || exclude.some((n) => typeof n !== 'string'))
      throw new TypeError(`${where}: exclude must be an array of layer names`);
    return new Model([], { [ADOPT]: unwrap(this.handle()._quantize(opts, exclude)) });
  }

  /**
   * Static W8A8, step 1 of PyTorch's prepare → calibrate → convert: a PreparedModel that runs
   * this model as it is and observes every layer's input. Feed it sample inputs with
   * `forward()`, then `convert()` it. This model is left as it is.
   * @param {import('../qlinear').PrepareOptions} [options]
   */
  prepare(options = {}) {
    const where = 'Model.prepare()';
    const opts = readOptions('PrepareOptions', options, where);
    return new PreparedModel({ [ADOPT]: unwrap(this.handle()._prepare(opts)) }, this.#outFeatures);
  }

  /**
   * The model as a safetensors file: fp32 layers as <name>.weight / .bias (F32), quantized ones
   * as <name>.weight (I8/U8), .weight_scale (F32), .weight_zero_point (I32), .bias, and the layer
   * list (activations, schemes, modes) in __metadata__, so loadModel() reads it back exactly.
   * @returns {Uint8Array}
   */
  save() {
    return unwrap(wasmModule()._saveModel(this.handle()));
  }

  /** How loadModel() found the layers (kind, spec, description); null for a model built in code. */
  get layout() {
    return this.#layout;
  }

  /** The file's __metadata__ (qlinear's own keys aside), kept through quantize() and save(). */
  get metadata() {
    return this.handle()._metadata();
  }

  /** Sets one metadata key; '' or null removes it. */
  setMetadata(key, value) {
    const where = 'Model.setMetadata()';
    if (typeof key !== 'string' || key === '') throw new TypeError(`${where}: key must be a non-empty string`);
    if (value !== null && typeof value !== 'string') throw new TypeError(`${where}: value must be a string (or null to remove the key)`);
    unwrap(this.handle()._setMetadataEntry(key, value ?? ''));
    return this;
  }

  /** The input normalization { mean, std, key } its metadata records, or null. */
  get inputNormalization() {
    return unwrap(this.handle()._inputNormalization());
  }

  /** Records { mean, std } (numbers or arrays) as the model's input normalization. */
  setInputNormalization(normalization) {
    const where = 'Model.setInputNormalization()';
    checkKeys(normalization ?? {}, ['mean', 'std', 'key'], where);
    const list = (v, name) => (typeof v === 'number' ? [v] : Array.from(toFloat32Array(v, name)));
    unwrap(this.handle()._setInputNormalization({ mean: list(normalization.mean, 'mean'), std: list(normalization.std, 'std'), key: '' }));
    return this;
  }

  /** Sets one quantized layer's llm-int8 outlier threshold (>= 0; 0 sends no column to fp32). */
  setOutlierThreshold(layerName, threshold) {
    const where = 'Model.setOutlierThreshold()';
    unwrap(this.handle()._setOutlierThreshold(String(layerName), finiteNumber(threshold, 'threshold', where, { min: 0 })));
    return this;
  }

  /**
   * Sets one quantized layer's static-mode input scale and zero point (quint8, per tensor): the
   * numbers PyTorch's convert() computed (`model[i].scale`, `model[i].zero_point` of a quantized
   * Linear's input), so the layer runs as PyTorch's does. The layer may then use 'static' mode.
   * @param {string} layerName
   * @param {{ scale: number, zeroPoint: number }} qparams
   */
  setInputQParams(layerName, { scale, zeroPoint } = {}) {
    const where = 'Model.setInputQParams()';
    if (typeof scale !== 'number') throw new TypeError(`${where}: scale must be a number`);
    const qparams = unwrap(wasmModule()._givenQParams('quint8', [scale], [integer(zeroPoint, 'zeroPoint', where)], -1));
    unwrap(this.handle()._setInputQParams(String(layerName), qparams));
    return this;
  }

  /**
   * Switches one quantized layer's forward mode ('static' only for layers made by convert(),
   * which have a calibrated input scale).
   */
  setForwardMode(layerName, mode) {
    unwrap(this.handle()._setForwardMode(String(layerName), oneOf(mode, choicesOf('ForwardMode'), 'mode', 'Model.setForwardMode()')));
    return this;
  }

  /**
   * Per layer: shape, dtype, scheme, mode, bytes before/after, scale range, weight error; per
   * model: bytes. With `{ reference, input, batch }` also how far this model's outputs are from
   * the reference model's on that input (per layer and final: error, SQNR, argmax agreement).
   * @param {import('../qlinear').ReportOptions} [options]
   */
  report(options = {}) {
    const where = 'Model.report()';
    checkKeys(options, ['reference', 'input', 'batch'], where);
    if (options.reference === undefined) {
      if (options.input !== undefined || options.batch !== undefined)
        throw new TypeError(`${where}: input and batch compare against a reference model; pass { reference, input, batch }`);
      return unwrap(this.handle()._report());
    }
    if (!(options.reference instanceof Model)) throw new TypeError(`${where}: reference must be a Model`);
    const batch = integer(options.batch ?? 1, 'batch', where);
    const input = toFloat32Array(options.input, 'input');
    const comparison = unwrap(wasmModule()._compareOutputs(options.reference.handle(), this.handle(), input, batch));
    // After the comparison's forward, so per-call figures (llm-int8's outlier columns) are this input's.
    const report = unwrap(this.handle()._report());
    report.comparison = comparison;
    return report;
  }
}

