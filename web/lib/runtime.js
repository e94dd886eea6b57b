// Loading the wasm module, and the two things every other file needs from it: the module
// itself and the conversion of the bindings' returned Error objects into thrown QlinearErrors.
import createQlinearModule from '../dist/qlinear_wasm.mjs';
import { checkKeys } from './checks.js';

/** Thrown for every bad input qlinear detects; the module stays usable afterwards. */
export class QlinearError extends Error {
  constructor(message) {
    super(message);
    this.name = 'QlinearError';
  }
}

const isNode = typeof process === 'object' && !!process.versions?.node;
let modulePromise = null;
let wasm = null;

async function loadWasmBinaryInNode() {
  const { readFile } = await import('node:fs/promises');
  return readFile(new URL('../dist/qlinear_wasm.wasm', import.meta.url));
}

/**
 * Loads the WebAssembly module. Call (and await) it once before anything else; later calls
 * return the same promise.
 * @param {{ wasmUrl?: string | URL, wasmBinary?: ArrayBuffer | Uint8Array }} [options]
 */
export function init(options = {}) {
  try {
    checkKeys(options, ['wasmUrl', 'wasmBinary'], 'init()');
  } catch (e) {
    return Promise.reject(e);
  }
  if (modulePromise) return modulePromise;
  modulePromise = (async () => {
    const moduleArgs = {};
    if (options.wasmBinary) moduleArgs.wasmBinary = options.wasmBinary;
    // Emscripten 3.1.6's glue would try fetch() on a file path in Node 18+: hand it the bytes.
    else if (isNode && !options.wasmUrl) moduleArgs.wasmBinary = await loadWasmBinaryInNode();
    moduleArgs.locateFile = (path) =>
      path.endsWith('.wasm') && options.wasmUrl
        ? String(options.wasmUrl)
        : new URL(`../dist/${path}`, import.meta.url).href;
    wasm = await createQlinearModule(moduleArgs);
    return { version: VERSION };
  })();
  modulePromise.catch(() => {
    modulePromise = null; // a failed load may be retried, e.g. with another wasmUrl
  });
  return modulePromise;
}

export const VERSION = '0.1.0';

export function wasmModule() {
  if (!wasm) throw new QlinearError('qlinear is not initialised: call `await init()` first');
  return wasm;
}

// The bindings return an Error object instead of throwing; this rethrows it as ours.
export function unwrap(result) {
  if (result instanceof Error) throw new QlinearError(result.message);
  return result;
}


// Frees wasm objects whose JS owner was garbage-collected without dispose(); dispose() stays
// the way to free them promptly.
const leaked = new FinalizationRegistry((handle) => handle.delete());

/** Base of every JS object that owns a C++ object in the wasm heap. */
export class WasmObject {
  #handle;
  #name;

  constructor(handle, name) {
    this.#handle = handle;
    this.#name = name;
    leaked.register(this, handle, this);
  }

  /** The Embind handle; throws once disposed. */
  handle() {
    if (!this.#handle) throw new QlinearError(`this ${this.#name} was disposed`);
    return this.#handle;
  }

  /** Frees the wasm memory now; the object cannot be used afterwards. Safe to call twice. */
  dispose() {
    if (!this.#handle) return;
    leaked.unregister(this);
    this.#handle.delete();
    this.#handle = null;
  }

  [Symbol.dispose]() {
    this.dispose();
  }
}
