// Loading the wasm module, and the two things every other file needs from it: the module
// itself and the conversion of the bindings' returned Error objects into thrown QlinearErrors.
import createQlinearModule from '../dist/qlinear_wasm.mjs';
import { checkKeys } from './checks.js';

/**
 * Thrown for bad values qlinear detects (NaN, shapes that do not fit, malformed files, ...);
 * wrong argument types and unknown options throw TypeError. Either way the module stays usable.
 */
export class QlinearError extends Error {
  constructor(message) {
    super(message);
    this.name = 'QlinearError';
  }
}

const isNode = typeof process === 'object' && !!process.versions?.node;
let modulePromise = null;
let wasm = null;

// In Node, Emscripten 3.1.6's glue would call fetch() on a file path (and fail), so the bytes
// are read here: the packaged .wasm, or a file: URL or path the caller named.
async function readWasmInNode(wasmUrl) {
  const { readFile } = await import('node:fs/promises');
  if (wasmUrl === undefined) return readFile(new URL('../dist/qlinear_wasm.wasm', import.meta.url));
  const url = String(wasmUrl);
  if (url.startsWith('file:')) return readFile(new URL(url));
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return readFile(url); // a plain path
  return null; // http(s): let the glue fetch it
}

let initOptions = null;

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
  if (modulePromise) {
    const same = Object.keys(options).every((key) => options[key] === initOptions[key]);
    if (!same)
      return Promise.reject(new QlinearError('qlinear is already initialised with other options; init() loads the module once'));
    return modulePromise;
  }
  initOptions = { ...options };
  modulePromise = (async () => {
    const moduleArgs = {};
    if (options.wasmBinary) moduleArgs.wasmBinary = options.wasmBinary;
    else if (isNode) {
      const bytes = await readWasmInNode(options.wasmUrl);
      if (bytes) moduleArgs.wasmBinary = bytes;
    }
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

/**
 * The WebAssembly heap: bytes in use by qlinear's objects (and by the buffers forward passes
 * reuse, which keep the size of a recent pass), bytes reserved (the heap grows on demand and
 * never shrinks), and the most it may grow to.
 * @returns {{ inUse: number, reserved: number, limit: number }}
 */
export function memory() {
  return wasmModule()._memoryStats();
}

/**
 * What a user needs to know when something is slow or fails: the build (SIMD, threads),
 * the version, the heap, cross-origin isolation and the hardware threads available.
 */
export function capabilities() {
  const environment = isNode ? 'node' : typeof WorkerGlobalScope !== 'undefined' ? 'worker' : 'browser';
  return {
    version: VERSION,
    build: wasmModule()._buildInfo(),
    memory: memory(),
    environment,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency ?? null,
  };
}

const MB = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * Refuses work that cannot fit in the heap before any of it is copied in, naming the size it
 * needs and the limit; the module stays usable. (Allocations that still fail inside wasm come
 * back as "out of WebAssembly memory" errors.)
 */
export function requireHeapRoom(bytesNeeded, what) {
  const { inUse, limit } = memory();
  if (inUse + bytesNeeded > limit)
    throw new QlinearError(`${what} needs about ${MB(bytesNeeded)} of WebAssembly memory, but the heap limit is ` +
      `${MB(limit)} with ${MB(inUse)} in use`);
}

// The heap buffer hot calls pass data through (Model.forward): its address and size in floats.
// Reused while it fits and is not much larger than a call needs: a big batch's buffer is given
// back at the next small call rather than held for the life of the page.
let io = { module: null, pointer: 0, floats: 0 };
const IO_KEEP_FLOATS = 65536; // 256 KiB: kept whatever the call

/**
 * A buffer of at least `floats` floats in the wasm heap, for copying a call's input and output
 * through. Returns its address in floats (an index into the module's HEAPF32). Valid until the
 * next ioBuffer() call.
 */
export function ioBuffer(floats) {
  const module = wasmModule();
  if (io.module === module && floats <= io.floats && io.floats <= Math.max(4 * floats, IO_KEEP_FLOATS)) return io.pointer;
  requireHeapRoom(4 * floats, 'the input and output of a forward pass');
  const size = Math.max(floats, 256);
  // Forgotten first: _ioBuffer frees the old buffer even when it cannot allocate the new one.
  io = { module: null, pointer: 0, floats: 0 };
  const address = module._ioBuffer(size);
  if (address === 0)
    throw new QlinearError(`out of WebAssembly memory: the input and output of a forward pass need ${MB(4 * size)}`);
  io = { module, pointer: address / 4, floats: size };
  return io.pointer;
}

/** Throws the error a status-returning binding (0 = ok) kept, if it returned non-zero. */
export function unwrapStatus(status) {
  if (status !== 0) throw new QlinearError(wasmModule()._takeError());
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
