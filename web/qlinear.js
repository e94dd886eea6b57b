// qlinear: PyTorch-exact int8 quantization and int8 MLP inference in WebAssembly.
//
// This is the package's one entry point. The files in lib/ are the JavaScript face of the C++
// core: they load the wasm module, check and fill in options, convert typed arrays, and turn
// the errors the bindings return into thrown QlinearErrors. The math lives in C++.
export { init, VERSION, QlinearError, memory, capabilities } from './lib/runtime.js';
export {
  getSymmetricQParams, getAsymmetricQParams, quantizeTensor, dequantizeTensor, fakeQuantize, errorMetrics,
  MinMaxObserver, PerChannelMinMaxObserver,
} from './lib/quantizer.js';
export {
  Linear, QuantLinear, Model, PreparedModel, prepare, convert, loadModel, inspectSafetensors,
} from './lib/model.js';
