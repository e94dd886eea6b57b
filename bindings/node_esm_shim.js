// Prepended (--extern-pre-js) to the Emscripten ES-module glue. In Node, Emscripten 3.1.6's
// glue reads `__dirname`, which an ES module does not have; this defines it. The glue's
// `require` calls are only reached when it must read the .wasm itself, and web/package/lib/loader.js
// always hands it the bytes in Node, so no `require` (and no top-level await, which bundlers
// targeting older browsers refuse) is needed: the same file loads in Node, browsers, workers
// and bundlers.
const __dirname =
  typeof process === 'object' && process.versions && process.versions.node ? new URL('.', import.meta.url).pathname : '';
