// --pre-js for the wasm test binary. Emscripten 3.1.6's glue sees Node 18+'s global fetch()
// and tries to fetch the .wasm by file path, which fails; handing it the bytes avoids that.
Module['wasmBinary'] = require('fs').readFileSync(require('path').join(__dirname, 'qlinear_tests.wasm'));
