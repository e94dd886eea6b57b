// Loading the wasm module: which of the packaged builds the engine should run (the relaxed-SIMD
// probe), reading the .wasm where the glue cannot (Node), and what the module reports about itself.
import createQlinearModule from '../dist/qlinear_wasm.mjs';
import { checkKeys } from './checks.js';
import { QlinearError } from './objects.js';
import { memory } from './heap.js';

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

