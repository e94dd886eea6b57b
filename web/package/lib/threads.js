// How many threads init() runs the kernels on: whether this environment can run the threaded
// module at all (and if not, why, in words a user can act on), and the default count.

const isNode = typeof process === 'object' && !!process.versions?.node;

/** The most threads init() accepts (the core's limit, qlinear/threads.hpp). */
export const MAX_THREADS = 64;

/**
 * Whether the threaded module can run here: `{ possible: true }`, or `{ possible: false, reason }`.
 * Threads need memory shared with Web Workers: a SharedArrayBuffer, which browsers give only to
 * cross-origin isolated pages (as ONNX Runtime Web, which otherwise stays on one thread without
 * saying so).
 */
export function threadSupport() {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') {
    return {
      possible: false,
      reason: isNode
        ? 'this Node.js has no SharedArrayBuffer'
        : 'the page is not cross-origin isolated: serve it with the headers ' +
          'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp',
    };
  }
  if (isNode) {
    if (typeof process.getBuiltinModule !== 'function')
      return { possible: false, reason: `Node.js ${process.versions.node} has no process.getBuiltinModule (Node 20.16+ or 22.3+ has)` };
    return { possible: true };
  }
  if (globalThis.crossOriginIsolated !== true) {
    return {
      possible: false,
      reason: 'the page is not cross-origin isolated: serve it with the headers ' +
        'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp',
    };
  }
  return { possible: true };
}

/**
 * Logical cores: os.availableParallelism() in Node (through process.getBuiltinModule, which
 * bundlers do not try to resolve for browsers; without it threads are off anyway),
 * navigator.hardwareConcurrency elsewhere.
 */
export function hardwareThreads() {
  if (isNode) {
    const os = process.getBuiltinModule?.('node:os');
    return os ? (os.availableParallelism?.() ?? os.cpus().length) : 1;
  }
  return globalThis.navigator?.hardwareConcurrency ?? 1;
}

/** ONNX Runtime Web's default: min(4, ceil(cores / 2)) where threads are possible, else 1. */
export function defaultThreads(cores) {
  return threadSupport().possible ? Math.max(1, Math.min(4, Math.ceil(cores / 2))) : 1;
}
