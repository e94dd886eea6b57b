// Linear, QuantLinear and Model: wasm-owned layers and MLPs with a typed-array API.
import { checkKeys, toFloat32Array, oneOf, bool, integer, DTYPES, RANGES } from './checks.js';
import { wasmModule, unwrap, unwrapStatus, ioBuffer, WasmObject, QlinearError, requireHeapRoom } from './runtime.js';

// A forward pass holds the input and two layers' outputs at a time, plus int8 copies. Small
// passes skip the check (it costs a call into wasm per forward); if one still cannot allocate,
// the core reports "out of WebAssembly memory".
const CHECK_FROM_BYTES = 4 * 2 ** 20;
function requireActivationRoom(widest, input, batch) {
  if (batch <= 0 || widest === 0) return; // the core reports those
  const needed = input.byteLength + 3 * 4 * batch * widest;
  if (needed >= CHECK_FROM_BYTES) requireHeapRoom(needed, `a forward pass of batch ${batch}`);
}

// A forward through one heap buffer, the input then the output, and a binding that takes
// numbers only (`_forwardInto`): a fraction of the cost of converting typed arrays through
// Embind's emval (W4: about 0.6 of 1 µs). `widest`: the widest activation along the way.
function forwardThroughHeap(handle, x, batch, where, outFeatures, widest) {
  const input = toFloat32Array(x, 'x');
  integer(batch, 'batch', where);
  requireActivationRoom(widest, input, batch);
  const outLength = Math.max(batch, 0) * outFeatures;
  const at = ioBuffer(input.length + outLength);
  const y = at + input.length;
  const wasm = wasmModule();
  wasm.HEAPF32.set(input, at);
  unwrapStatus(handle._forwardInto(4 * at, input.length, batch, 4 * y, outLength));
  // HEAPF32 again: the heap may have grown (and its views been replaced) during the call.
  return wasm.HEAPF32.slice(y, y + outLength);
}

const ACTIVATIONS = ['identity', 'relu', 'gelu', 'silu', 'sigmoid', 'tanh', 'softmax'];
const MODES = ['weight-only', 'dynamic', 'llm-int8', 'static'];
const OBSERVERS = ['minmax', 'moving-average', 'percentile'];
const ACTIVATION_SCHEMES = ['per-row', 'pytorch'];
// Lets the module wrap handles it made itself; users cannot forge it.
const ADOPT = Symbol('adopt a wasm handle');

function finiteNumber(value, name, where, { min = -Infinity, max = Infinity, minExclusive = false } = {}) {
  const tooLow = minExclusive ? value <= min : value < min;
  if (typeof value !== 'number' || !Number.isFinite(value) || tooLow || value > max)
    throw new TypeError(`${where}: ${name} must be a finite number ${minExclusive ? '>' : '>='} ${min}` +
      `${max < Infinity ? ` and <= ${max}` : ''}, got ${String(value)}`);
  return value;
}

const WEIGHT_KEYS = ['symmetric', 'perChannel', 'dtype', 'reduceRange', 'range'];

// `forConvert`: PreparedModel.convert() takes the weight options only (its layers are 'static').
function quantizeOptions(options, where, { forConvert = false } = {}) {
  checkKeys(options, forConvert ? WEIGHT_KEYS : [...WEIGHT_KEYS, 'mode', 'activations', 'outlierThreshold'], where);
  const mode = oneOf(options.mode ?? 'weight-only', MODES, 'mode', where);
  return {
    outlierThreshold: finiteNumber(options.outlierThreshold ?? 6, 'outlierThreshold', where, { min: 0 }),
    symmetric: bool(options.symmetric ?? true, 'symmetric', where),
    perChannel: bool(options.perChannel ?? true, 'perChannel', where),
    dtype: oneOf(options.dtype ?? 'qint8', DTYPES, 'dtype', where),
    reduceRange: bool(options.reduceRange ?? false, 'reduceRange', where),
    // LLM.int8()'s weights are bitsandbytes' absmax / 127 rows unless asked otherwise.
    range: oneOf(options.range ?? (mode === 'llm-int8' ? 'restricted' : 'full'), RANGES, 'range', where),
    mode,
    activations: oneOf(options.activations ?? 'per-row', ACTIVATION_SCHEMES, 'activations', where),
  };
}

export class Linear extends WasmObject {
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
    // The weights are copied in once and then moved: twice their size at the peak.
    requireHeapRoom(2 * (w.byteLength + b.byteLength), `a ${outFeatures}x${inFeatures} Linear layer`);
    super(unwrap(wasmModule()._makeLinear(inFeatures, outFeatures, w, b)), 'Linear');
    this.#inFeatures = inFeatures;
    this.#outFeatures = outFeatures;
  }

  #inFeatures;
  #outFeatures;

  get inFeatures() { return this.handle()._inFeatures(); }
  get outFeatures() { return this.handle()._outFeatures(); }
  /** A copy of the weight. */
  get weight() { return this.handle()._weight(); }
  /** A copy of the bias, or null without one. */
  get bias() { const b = this.handle()._bias(); return b.length ? b : null; }

  /** @param {Float32Array | number[]} x row-major [batch, inFeatures] */
  forward(x, batch = 1) {
    const widest = Math.max(this.#inFeatures, this.#outFeatures);
    return forwardThroughHeap(this.handle(), x, batch, 'Linear.forward()', this.#outFeatures, widest);
  }
}

export class QuantLinear extends WasmObject {
  constructor(adopt) {
    if (!adopt?.[ADOPT]) throw new TypeError('use QuantLinear.fromLinear(linear, options) to make a QuantLinear');
    super(adopt[ADOPT], 'QuantLinear');
    this.#inFeatures = this.handle()._inFeatures();
    this.#outFeatures = this.handle()._outFeatures();
  }

  #inFeatures;
  #outFeatures;

  /**
   * Quantizes a Linear's weight (PyTorch's observers) and keeps the integers, scales, zero
   * points and fp32 bias; no fp32 weight is kept.
   * @param {Linear} linear
   * @param {import('../qlinear').QuantizeOptions} [options]
   */
  static fromLinear(linear, options = {}) {
    if (!(linear instanceof Linear)) throw new TypeError('QuantLinear.fromLinear() takes a Linear');
    const opts = quantizeOptions(options, 'QuantLinear.fromLinear()');
    return new QuantLinear({ [ADOPT]: unwrap(wasmModule()._quantLinearFromLinear(linear.handle(), opts)) });
  }

  get inFeatures() { return this.handle()._inFeatures(); }
  get outFeatures() { return this.handle()._outFeatures(); }
  /** The integers (Int8Array for qint8, Uint8Array for quint8), row-major [out, in]. */
  get weight() { return this.handle()._weight(); }
  get qparams() { return this.handle()._qparams(); }
  get bias() { const b = this.handle()._bias(); return b.length ? b : null; }
  /** Bytes held in wasm: integers, scales, zero points and bias. */
  get bytes() { return this.handle()._bytes(); }
  /** 'weight-only' (W8A32), 'dynamic', 'llm-int8' or 'static' (W8A8). */
  get mode() { return this.handle()._mode(); }
  set mode(mode) {
    unwrap(this.handle()._setMode(oneOf(mode, MODES, 'mode', 'QuantLinear.mode')));
  }
  /** Dynamic mode's activation quantization: 'per-row' or 'pytorch'. */
  get activations() { return this.handle()._activations(); }
  /** llm-int8: input columns with any |x| >= this go through fp32 (0: none). */
  get outlierThreshold() { return this.handle()._outlierThreshold(); }
  set outlierThreshold(threshold) {
    unwrap(this.handle()._setOutlierThreshold(finiteNumber(threshold, 'outlierThreshold', 'QuantLinear.outlierThreshold', { min: 0 })));
  }
  /** How many outlier columns the last llm-int8 forward found; null before any forward. */
  get lastOutlierColumns() { return this.handle()._lastOutlierColumns(); }
  /** Static mode's calibrated input qparams (per-tensor quint8), or null. */
  get inputQParams() { return this.handle()._inputQParams(); }

  forward(x, batch = 1) {
    const widest = Math.max(this.#inFeatures, this.#outFeatures);
    return forwardThroughHeap(this.handle(), x, batch, 'QuantLinear.forward()', this.#outFeatures, widest);
  }
}

export class Model extends WasmObject {
  #widest = 0; // the widest layer, for the memory check of forward()
  #outFeatures = 0; // the last layer's, for the size of forward()'s output

  /**
   * An MLP: named layers in order, each followed by an activation.
   * @param {import('../qlinear').LayerSpec[]} [layers]
   */
  constructor(layers = [], adopt = undefined) {
    if (!Array.isArray(layers)) throw new TypeError('new Model() takes an array of layer specs');
    super(adopt?.[ADOPT] ?? new (wasmModule().Model)(), 'Model');
    if (adopt) this.#updateWidest();
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
    const activation = oneOf(spec.activation ?? 'identity', ACTIVATIONS, 'activation', where);
    const model = this.handle();
    if (spec.linear === undefined) {
      const { inFeatures, outFeatures, weight, bias } = spec;
      const linear = new Linear({ inFeatures, outFeatures, weight, bias });
      try {
        unwrap(model._addLinear(spec.name, linear.handle(), activation));
      } finally {
        linear.dispose();
      }
      this.#updateWidest();
      return this;
    }
    for (const key of ['inFeatures', 'outFeatures', 'weight', 'bias'])
      if (spec[key] !== undefined)
        throw new TypeError(`${where}: give either 'linear' or the weight fields ('${key}', ...), not both`);
    if (spec.linear instanceof QuantLinear) unwrap(model._addQuantLinear(spec.name, spec.linear.handle(), activation));
    else if (spec.linear instanceof Linear) unwrap(model._addLinear(spec.name, spec.linear.handle(), activation));
    else throw new TypeError(`${where}: 'linear' must be a Linear or a QuantLinear`);
    this.#updateWidest();
    return this;
  }

  #updateWidest() {
    const { layers } = this.report();
    this.#widest = layers.length ? Math.max(layers[0].inFeatures, ...layers.map((l) => l.outFeatures)) : 0;
    this.#outFeatures = layers.length ? layers[layers.length - 1].outFeatures : 0;
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

  /** The weight qparams of a quantized layer, or null for an fp32 one. */
  qparams(layerName) {
    return unwrap(this.handle()._layerQParams(String(layerName)));
  }

  /** @param {Float32Array | number[]} x row-major [batch, inFeatures] → Float32Array [batch, outFeatures] */
  forward(x, batch = 1) {
    return forwardThroughHeap(this.handle(), x, batch, 'Model.forward()', this.#outFeatures, this.#widest);
  }

  /** Every layer's output (after its activation), first to last. */
  forwardEachLayer(x, batch = 1) {
    const input = toFloat32Array(x, 'x');
    integer(batch, 'batch', 'Model.forwardEachLayer()');
    requireHeapRoom(input.byteLength + 4 * batch * this.#widest * (this.layerCount + 1), `a forward pass of batch ${batch}`);
    return unwrap(this.handle()._forwardEachLayer(input, batch));
  }

  /**
   * The tutorial's quantize_model_weights: a new model with every fp32 layer not in `exclude`
   * replaced by a QuantLinear. This model is left as it is. Unknown names in `exclude` throw.
   * @param {import('../qlinear').QuantizeOptions} [options]
   * @param {string[]} [exclude]
   */
  quantize(options = {}, exclude = []) {
    const where = 'Model.quantize()';
    const opts = quantizeOptions(options, where);
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
    checkKeys(options, ['observer', 'qscheme', 'reduceRange', 'averagingConstant', 'percentile'], where);
    const opts = {
      observer: oneOf(options.observer ?? 'minmax', OBSERVERS, 'observer', where),
      qscheme: oneOf(options.qscheme ?? 'per_tensor_affine', ['per_tensor_affine', 'per_tensor_symmetric'], 'qscheme', where),
      reduceRange: bool(options.reduceRange ?? false, 'reduceRange', where),
      averagingConstant: finiteNumber(options.averagingConstant ?? 0.01, 'averagingConstant', where,
        { min: 0, max: 1, minExclusive: true }),
      percentile: finiteNumber(options.percentile ?? 99.99, 'percentile', where, { min: 50, max: 100, minExclusive: true }),
    };
    return new PreparedModel({ [ADOPT]: unwrap(this.handle()._prepare(opts)) }, this.#widest);
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

  /** Sets one quantized layer's llm-int8 outlier threshold (>= 0; 0 sends no column to fp32). */
  setOutlierThreshold(layerName, threshold) {
    const where = 'Model.setOutlierThreshold()';
    unwrap(this.handle()._setOutlierThreshold(String(layerName), finiteNumber(threshold, 'threshold', where, { min: 0 })));
    return this;
  }

  /**
   * Switches one quantized layer's forward mode ('static' only for layers made by convert(),
   * which have a calibrated input scale).
   */
  setForwardMode(layerName, mode) {
    unwrap(this.handle()._setForwardMode(String(layerName), oneOf(mode, MODES, 'mode', 'Model.setForwardMode()')));
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

export class PreparedModel extends WasmObject {
  #widest;

  constructor(adopt, widest) {
    if (!adopt?.[ADOPT]) throw new TypeError('use model.prepare(options) or prepare(model, options) to make a PreparedModel');
    super(adopt[ADOPT], 'PreparedModel');
    this.#widest = widest;
  }

  /**
   * Calibration: runs the model on x (fp32, as the model is), records every layer's input in its
   * observer, and returns the output. A batch that fails (bad input) changes no observer.
   * @param {Float32Array | number[]} x row-major [batch, inFeatures]
   */
  forward(x, batch = 1) {
    const input = toFloat32Array(x, 'x');
    integer(batch, 'batch', 'PreparedModel.forward()');
    requireActivationRoom(this.#widest, input, batch);
    return unwrap(this.handle()._forward(input, batch));
  }

  /** Input rows observed so far. */
  get calibrationRows() { return this.handle()._calibrationRows(); }

  /** Per layer: what its input observer has seen (min/max after clipping) and the qparams it gives. */
  observers() { return unwrap(this.handle()._observers()); }

  /**
   * Step 3: a new Model whose fp32 layers (except `exclude`) are QuantLinear in 'static' mode,
   * weights quantized per `options` (as Model.quantize; `mode` is ignored), inputs quantized
   * with the calibrated scale and zero point. Throws before any calibration data.
   * @param {import('../qlinear').QuantizeOptions} [options]
   * @param {string[]} [exclude]
   */
  convert(options = {}, exclude = []) {
    const where = 'PreparedModel.convert()';
    const opts = quantizeOptions(options, where, { forConvert: true });
    if (!Array.isArray(exclude) || exclude.some((n) => typeof n !== 'string'))
      throw new TypeError(`${where}: exclude must be an array of layer names`);
    return new Model([], { [ADOPT]: unwrap(this.handle()._convert(opts, exclude)) });
  }
}

/** PyTorch's name: `prepare(model, options)` is `model.prepare(options)`. */
export function prepare(model, options = {}) {
  if (!(model instanceof Model)) throw new TypeError('prepare() takes a Model');
  return model.prepare(options);
}

/** PyTorch's name: `convert(prepared, options, exclude)` is `prepared.convert(options, exclude)`. */
export function convert(prepared, options = {}, exclude = []) {
  if (!(prepared instanceof PreparedModel)) throw new TypeError('convert() takes the PreparedModel prepare() returned');
  return prepared.convert(options, exclude);
}

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
  // The file is copied in, then its tensors are converted to float32 (F16/BF16 double in size).
  requireHeapRoom(3 * data.byteLength, `loading a ${(data.byteLength / 2 ** 20).toFixed(1)} MiB file`);
  checkKeys(options, ['spec', 'activation', 'outputActivation'], where);
  let spec = options.spec ?? null;
  if (spec !== null && typeof spec !== 'string') spec = JSON.stringify(spec);
  const opts = {
    spec,
    activation: oneOf(options.activation ?? 'relu', ACTIVATIONS, 'activation', where),
    outputActivation: oneOf(options.outputActivation ?? 'identity', ACTIVATIONS, 'outputActivation', where),
  };
  return new Model([], { [ADOPT]: unwrap(wasmModule()._loadModel(data, opts)) });
}

/**
 * Every tensor of a safetensors file (name, dtype, shape, bytes, and the scheme of quantized
 * weights) and its __metadata__, after the same strict checks loadModel() makes.
 * @param {Uint8Array | ArrayBuffer} bytes
 */
export function inspectSafetensors(bytes) {
  return unwrap(wasmModule()._inspectSafetensors(toBytes(bytes, 'inspectSafetensors()')));
}

export { QlinearError };
