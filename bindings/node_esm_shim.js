// Prepended (--extern-pre-js) to the Emscripten ES-module glue. Emscripten 3.1.6's glue calls
// `require` and reads `__dirname` when it runs in Node, neither of which exists in an ES module;
// this defines both for Node only, so the same file loads in Node, browsers and workers.
const qlinearNodeModule =
  typeof process === 'object' && process.versions && process.versions.node
    ? await import('node:module')
    : null;
const require = qlinearNodeModule ? qlinearNodeModule.createRequire(import.meta.url) : undefined;
const __dirname = qlinearNodeModule ? new URL('.', import.meta.url).pathname : '';
