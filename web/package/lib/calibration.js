// Static W8A8 calibration, PyTorch's prepare → calibrate → convert.
import { unwrap, WasmObject } from './objects.js';
import { forwardThroughHeap } from './heap.js';
import { readOptions, optionGroup, choicesOf } from './options.js';
import { oneOf } from './checks.js';
import { wasmModule } from './loader.js';
import { ADOPT } from './layers.js';
import { Model } from './model.js';

export class PreparedModel extends WasmObject {
  #outFeatures;

  constructor(adopt, outFeatures) {
    if (!adopt?.[ADOPT]) throw new TypeError('use model.prepare(options) or prepare(model, options) to make a PreparedModel');
    super(adopt[ADOPT], 'PreparedModel');
    this.#outFeatures = outFeatures;
  }

  /**
   * Calibration: runs the model on x (fp32, as the model is), records every layer's input in its
   * observer, and returns the output. A batch that fails (bad input) changes no observer.
   * @param {Float32Array | number[]} x row-major [batch, inFeatures]
   */
  forward(x, batch = 1, options = {}) {
    return forwardThroughHeap(this.handle(), x, batch, 'PreparedModel.forward()', this.#outFeatures, false, options);
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
    const opts = readOptions('ConvertOptions', options, where, { defaultsFrom: 'QuantizeOptions' });
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

/**
 * PyTorch 1.13's get_default_qconfig(backend): `activation` for prepare() (HistogramObserver,
 * with reduceRange for 'fbgemm' and 'x86') and `weight` for convert() (qint8 symmetric, per
 * channel except for 'qnnpack').
 * @param {'fbgemm' | 'qnnpack' | 'x86' | 'onednn'} [backend] PyTorch's default, 'fbgemm'
 */
export function getDefaultQConfig(backend = 'fbgemm') {
  const where = 'getDefaultQConfig()';
  const q = unwrap(wasmModule()._defaultQConfig(oneOf(backend, choicesOf('QConfigBackend'), 'backend', where)));
  const pick = (values, group) => Object.fromEntries(optionGroup(group).options.map((o) => [o.name, values[o.name]]));
  return Object.freeze({ activation: Object.freeze(pick(q.activation, 'PrepareOptions')), weight: Object.freeze(pick(q.weight, 'ConvertOptions')) });
}
