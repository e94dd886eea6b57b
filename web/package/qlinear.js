// qlinear: PyTorch-exact int8 quantization and int8 MLP inference in WebAssembly.
//
// This is the package's one entry point. The files in lib/ are the JavaScript face of the C++
// core, one job each: loader.js loads the wasm module, heap.js moves data through its heap,
// objects.js owns errors and object lifetimes, options.js checks options against the core's
// option table; quantizer.js, layers.js, model.js, calibration.js, files.js, checkpoint.js and
// module-tree.js wrap the API.
// The math, the option names and their defaults live in C++.
export { init, VERSION, capabilities } from './lib/loader.js';
export { QlinearError } from './lib/objects.js';
export { memory } from './lib/heap.js';
export { optionTable } from './lib/options.js';
export {
  getSymmetricQParams, getAsymmetricQParams, quantizeTensor, dequantizeTensor, fakeQuantize, errorMetrics,
  quantizePerTensor, quantizePerChannel, chooseQParams,
  MinMaxObserver, PerChannelMinMaxObserver, HistogramObserver,
} from './lib/quantizer.js';
export { Linear, QuantLinear } from './lib/layers.js';
export { Model } from './lib/model.js';
export { PreparedModel, prepare, convert, getDefaultQConfig } from './lib/calibration.js';
export { loadModel, inspectSafetensors, normalizeInputs } from './lib/files.js';
export { Checkpoint, quantizationConfig, outputConfig } from './lib/checkpoint.js';
export { moduleTree, moduleTreeLines } from './lib/module-tree.js';
