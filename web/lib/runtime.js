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

// The two packaged modules: the same program, with the W8A8 kernels on SIMD128 or on relaxed
// SIMD's int8 dot (bindings/CMakeLists.txt). Written out in full so that bundlers see them.
const PACKAGED_WASM = {
  simd128: new URL('../dist/qlinear_wasm.wasm', import.meta.url),
  relaxed: new URL('../dist/qlinear_wasm_relaxed.wasm', import.meta.url),
};

// A 55-byte module whose one function returns lane 3 of
// i32x4.relaxed_dot_i8x16_i7x16_add_s(splat a, splat b, splat c), that is 4ab + c.
export const RELAXED_DOT_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f,
  0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x64, 0x6f, 0x74, 0x00, 0x00, 0x0a, 0x16, 0x01, 0x14, 0x00,
  0x20, 0x00, 0xfd, 0x0f, 0x20, 0x01, 0xfd, 0x0f, 0x20, 0x02, 0xfd, 0x11, 0xfd, 0x93, 0x02, 0xfd, 0x1b, 0x03,
  0x0b,
]);

let relaxedDot = null;
function probeRelaxedDot() {
  if (relaxedDot === null) {
    relaxedDot = { works: false, fast: false };
    try {
      if (WebAssembly.validate(RELAXED_DOT_PROBE)) {
        const { dot } = new WebAssembly.Instance(new WebAssembly.Module(RELAXED_DOT_PROBE)).exports;
        relaxedDot.works = dot(-100, 100, 5) === -39995 && dot(127, 127, -7) === 64509;
        // b = 255 is outside the i7 range, so the answer shows how the engine computes the dot.
        // 4·127·255 + 5: b read as unsigned and no 16-bit saturation, as x64's AVX-VNNI vpdpbusd
        // does (Chromium 156 here). V8 without it uses pmaddubsw + pmaddwd + paddd, whose i16
        // saturation gives 2·32767 + 5 (Node 22's V8 12.4): three instructions per dot, and with
        // the two dots per 16 MACs of 8-bit activations the relaxed kernels were slower than
        // SIMD128's there (W1: 1.49 against 0.92 ms).
        relaxedDot.fast = relaxedDot.works && dot(127, 255, 5) === 4 * 127 * 255 + 5;
      }
    } catch {
      // no relaxed SIMD (or no synchronous compilation here): the SIMD128 module
    }
  }
  return relaxedDot;
}

/**
 * Whether this engine runs relaxed SIMD's int8 dot, and runs it right: validating is not enough,
 * since Node 20 with --experimental-wasm-relaxed-simd validates it but its baseline compiler
 * returns 2·(4ab) instead of 4ab + c.
 */
export function relaxedSimdWorks() {
  return probeRelaxedDot().works;
}

/**
 * Whether that dot is also one instruction here (x64 AVX-VNNI's vpdpbusd, recognised by how it
 * treats operands outside the i7 range), so that the relaxed-SIMD module is the faster one:
 * what init()'s simd: 'auto' goes by.
 */
export function relaxedDotIsFast() {
  return probeRelaxedDot().fast;
}

const SIMD_CHOICES = ['auto', 'relaxed', 'simd128'];

function packagedWasmFor(simd) {
  if (!SIMD_CHOICES.includes(simd))
    throw new TypeError(`init(): simd must be one of ${SIMD_CHOICES.map((c) => `'${c}'`).join(', ')}, not ${JSON.stringify(simd)}`);
  if (simd === 'relaxed' && !relaxedSimdWorks())
    throw new QlinearError("init({ simd: 'relaxed' }): this engine does not run relaxed SIMD's i32x4.relaxed_dot_i8x16_i7x16_add_s " +
      "(or runs it wrong); leave simd at 'auto' to use the SIMD128 module here");
  return simd === 'simd128' || (simd === 'auto' && !relaxedDotIsFast()) ? PACKAGED_WASM.simd128 : PACKAGED_WASM.relaxed;
}

// In Node, Emscripten 3.1.6's glue would call fetch() on a file path (and fail), so the bytes
// are read here: the packaged .wasm, or a file: URL or path the caller named.
async function readWasmInNode(wasmUrl) {
  const { readFile } = await import('node:fs/promises');
  const url = String(wasmUrl);
  if (url.startsWith('file:')) return readFile(new URL(url));
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return readFile(url); // a plain path
  return null; // http(s): let the glue fetch it
}

let initOptions = null;
let initPackagedWasm = null;

/**
 * Loads the WebAssembly module. Call (and await) it once before anything else; later calls
 * return the same promise.
 *
 * Of the two packaged modules, `simd: 'auto'` (the default) takes the relaxed-SIMD one where the
 * engine runs relaxed SIMD's int8 dot correctly and as one instruction (V8 on x64 CPUs with
 * AVX-VNNI: recent Chrome, for example; relaxedDotIsFast) and the SIMD128 one elsewhere;
 * 'relaxed' (refused where the dot computes wrong) or 'simd128' asks for one. A `wasmUrl` or `wasmBinary` names the module
 * itself, and then `simd` only matters for 'relaxed' being refused where it cannot run.
 * @param {{ wasmUrl?: string | URL, wasmBinary?: ArrayBuffer | Uint8Array, simd?: 'auto' | 'relaxed' | 'simd128' }} [options]
 */
export function init(options = {}) {
  let packagedWasm;
  try {
    checkKeys(options, ['wasmUrl', 'wasmBinary', 'simd'], 'init()');
    packagedWasm = packagedWasmFor(options.simd ?? 'auto');
  } catch (e) {
    return Promise.reject(e);
  }
  if (modulePromise) {
    // `simd` is the same if it picks the same packaged module ('auto' and what it chose here).
    const same = Object.keys(options).every((key) =>
      key === 'simd' ? packagedWasm.href === initPackagedWasm.href : options[key] === initOptions[key]);
    if (!same)
      return Promise.reject(new QlinearError('qlinear is already initialised with other options; init() loads the module once'));
    return modulePromise;
  }
  initOptions = { ...options };
  initPackagedWasm = packagedWasm;
  modulePromise = (async () => {
    const moduleArgs = {};
    const wasmUrl = options.wasmUrl ?? packagedWasm;
    if (options.wasmBinary) moduleArgs.wasmBinary = options.wasmBinary;
    else if (isNode) {
      const bytes = await readWasmInNode(wasmUrl);
      if (bytes) moduleArgs.wasmBinary = bytes;
    }
    moduleArgs.locateFile = (path) =>
      path.endsWith('.wasm') ? String(wasmUrl) : new URL(`../dist/${path}`, import.meta.url).href;
    const module = await createQlinearModule(moduleArgs);
    // A wasmUrl or wasmBinary may name the relaxed-SIMD build where it would compute wrong.
    if (module._buildInfo().kernels === 'wasm-relaxed-simd' && !relaxedSimdWorks())
      throw new QlinearError('init(): the given module is the relaxed-SIMD build (qlinear_wasm_relaxed.wasm), which this engine ' +
        'does not run (or runs wrong); give it qlinear_wasm.wasm');
    wasm = module;
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
 * What a user needs to know when something is slow or fails: the build (SIMD, threads, which
 * kernels), what the engine's relaxed SIMD can do (why init() picked that build), the version,
 * the heap, cross-origin isolation and the hardware threads available.
 */
export function capabilities() {
  const environment = isNode ? 'node' : typeof WorkerGlobalScope !== 'undefined' ? 'worker' : 'browser';
  return {
    version: VERSION,
    build: wasmModule()._buildInfo(),
    relaxedSimd: { works: relaxedSimdWorks(), oneInstructionDot: relaxedDotIsFast() },
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
