// --pre-js for the wasm test binaries. Emscripten 3.1.6's glue sees Node 18+'s global fetch()
// and tries to fetch the .wasm by file path, which fails; handing it the bytes avoids that. The
// .wasm is the one named like this glue (qlinear_tests.js -> qlinear_tests.wasm). In the threaded
// binary the glue also runs in each worker, which is handed the compiled module instead (and
// has no __dirname): nothing to do there.
if (!Module['ENVIRONMENT_IS_PTHREAD']) {
  Module['wasmBinary'] = require('fs').readFileSync(require('path').join(__dirname, require('path').basename(__filename, '.js') + '.wasm'));
  // The wasm side's getenv() sees Emscripten's own environment, not Node's: pass on the one
  // variable the suite reads (which kernels the binary must have, test_packed_kernels.cpp).
  Module['preRun'] = [() => {
    if (process.env.QLINEAR_EXPECT_KERNELS) ENV['QLINEAR_EXPECT_KERNELS'] = process.env.QLINEAR_EXPECT_KERNELS;
  }];
}
