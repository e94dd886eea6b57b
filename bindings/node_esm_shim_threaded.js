// Prepended (--extern-pre-js) to the threaded module's ES-module glue: node_esm_shim.js's
// `__dirname`, and `require`, which this glue calls in Node to start its workers (worker_threads)
// and which an ES module does not have. process.getBuiltinModule is Node 20.16+ (or 22.3+);
// web/package/lib/threads.js refuses threads on a Node without it before this glue is loaded.
const __qlinearNode = typeof process === 'object' && process.versions && process.versions.node;
const __dirname = __qlinearNode ? new URL('.', import.meta.url).pathname : '';
const require = __qlinearNode && process.getBuiltinModule
  ? process.getBuiltinModule('module').createRequire(import.meta.url)
  : undefined;
