// Loading the wasm module: which of the packaged builds the engine should run (the relaxed-SIMD
// probe), reading the .wasm where the glue cannot (Node), and what the module reports about itself.
import createQlinearModule from '../dist/qlinear_wasm.mjs';
import { PACKAGED_MODULES } from '../dist/manifest.js';
import { checkKeys } from './checks.js';
import { QlinearError } from './objects.js';
import { memory } from './heap.js';
import { MAX_THREADS, defaultThreads, hardwareThreads, threadSupport } from './threads.js';
import { createThreadedModule } from './threaded.js';

const isNode = typeof process === 'object' && !!process.versions?.node;
let modulePromise = null;
let wasm = null;

// The packaged modules (dist/manifest.js, written by the build: bindings/CMakeLists.txt): the same
// program with the W8A8 kernels on SIMD128 or on relaxed SIMD's int8 dot, each single-threaded and
// threaded.
function packagedModule(kernels, threaded) {
  const module = PACKAGED_MODULES.find((m) => m.kernels === kernels && m.threaded === threaded);
  if (!module)
    throw new QlinearError(`init(): this package has no ${threaded ? 'threaded' : 'single-threaded'} ${kernels} module (dist/manifest.js)`);
  return module;
}

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

// Which kernels the `simd` option asks for here: 'wasm-simd128' or 'wasm-relaxed-simd'.
function kernelsFor(simd) {
  if (!SIMD_CHOICES.includes(simd))
    throw new TypeError(`init(): simd must be one of ${SIMD_CHOICES.map((c) => `'${c}'`).join(', ')}, not ${JSON.stringify(simd)}`);
  if (simd === 'relaxed' && !relaxedSimdWorks())
    throw new QlinearError("init({ simd: 'relaxed' }): this engine does not run relaxed SIMD's i32x4.relaxed_dot_i8x16_i7x16_add_s " +
      "(or runs it wrong); leave simd at 'auto' to use the SIMD128 module here");
  return simd === 'simd128' || (simd === 'auto' && !relaxedDotIsFast()) ? 'wasm-simd128' : 'wasm-relaxed-simd';
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

// What the first init() call asked for and what it resolved to (the thread count, the packaged
// module), to tell whether a later call asks for the same.
let initOptions = null;
let initResolved = null;

// The `threads` option checked: a whole number from 1 to MAX_THREADS, more than 1 only where the
// threaded modules can run, and then with a packaged module.
function checkThreads(options) {
  const { threads } = options;
  if (threads === undefined) return;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)
    throw new TypeError(`init(): threads must be a whole number from 1 to ${MAX_THREADS}, not ${JSON.stringify(threads)}`);
  if (threads === 1) return;
  const support = threadSupport();
  if (!support.possible) throw new QlinearError(`init({ threads: ${threads} }): threads are not possible here: ${support.reason}`);
  if (options.wasmUrl !== undefined || options.wasmBinary !== undefined)
    throw new QlinearError(`init({ threads: ${threads} }): wasmUrl and wasmBinary name a single-threaded module; ` +
      'the threaded ones are the package\'s own (dist/threaded/)');
}

/**
 * Loads the WebAssembly module. Call (and await) it once before anything else; later calls
 * return the same promise.
 *
 * `threads` is how many threads the int8 kernels run on (results are bit for bit the same for any
 * count). The default is ONNX Runtime Web's, min(4, ceil(cores / 2)), where threads are possible
 * (Node 20.16+ or 22.3+; a cross-origin isolated page or worker), else 1; asking for more than 1 where they
 * are not is an error saying why (capabilities().threads says it too). More than one thread loads
 * a threaded module (JS-emulated C++ exceptions: about a microsecond more per call on small
 * models); one thread loads a single-threaded module. A later init() returns the same promise if
 * the options it gives agree with what the first call loaded.
 *
 * Of the two modules for that thread count, `simd: 'auto'` (the default) takes the relaxed-SIMD one where the
 * engine runs relaxed SIMD's int8 dot correctly and as one instruction (V8 on x64 CPUs with
 * AVX-VNNI: recent Chrome, for example; relaxedDotIsFast) and the SIMD128 one elsewhere;
 * 'relaxed' (refused where the dot computes wrong) or 'simd128' asks for one. A `wasmUrl` or `wasmBinary` names a
 * single-threaded module itself, and then `simd` only matters for 'relaxed' being refused where it cannot run.
 * @param {{ wasmUrl?: string | URL, wasmBinary?: ArrayBuffer | Uint8Array, simd?: 'auto' | 'relaxed' | 'simd128', threads?: number }} [options]
 */
export function init(options = {}) {
  let resolved;
  try {
    checkKeys(options, ['wasmUrl', 'wasmBinary', 'simd', 'threads'], 'init()');
    checkThreads(options);
    resolved = resolveInit(options);
  } catch (e) {
    return Promise.reject(e);
  }
  if (modulePromise) {
    if (!sameAsFirst(options))
      return Promise.reject(new QlinearError('qlinear is already initialised with other options; init() loads the module once'));
    return modulePromise;
  }
  initOptions = { ...options };
  initResolved = resolved;
  modulePromise = (async () => {
    if (resolved.threads > 1) {
      wasm = checkKernels(await createThreadedModule(resolved.threads, resolved.packaged), resolved.packaged);
      return { version: VERSION };
    }
    const moduleArgs = {};
    const wasmUrl = options.wasmUrl ?? resolved.packaged.wasm;
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
    wasm = options.wasmUrl || options.wasmBinary ? module : checkKernels(module, resolved.packaged);
    return { version: VERSION };
  })();
  modulePromise.catch(() => {
    modulePromise = null; // a failed load may be retried, e.g. with another wasmUrl
  });
  return modulePromise;
}

// A packaged module that does not run the kernels the manifest says is a broken build or package.
function checkKernels(module, packaged) {
  const { kernels } = module._buildInfo();
  if (kernels !== packaged.kernels)
    throw new QlinearError(`init(): ${packaged.wasm.href} runs ${kernels} kernels, but dist/manifest.js says ${packaged.kernels}: rebuild the package`);
  return module;
}

// The thread count and the packaged module these options load, and why that many threads (for
// capabilities()). One thread where a module is named (wasmUrl, wasmBinary); else the default.
function resolveInit(options) {
  const kernels = kernelsFor(options.simd ?? 'auto');
  const resolved = (threads, why) => ({ threads, packaged: packagedModule(kernels, threads > 1), why });
  if (options.threads !== undefined)
    return resolved(options.threads, options.threads > 1 ? `init({ threads: ${options.threads} })` : 'init({ threads: 1 })');
  if (options.wasmUrl !== undefined || options.wasmBinary !== undefined)
    return resolved(1, 'init() was given a single-threaded module (wasmUrl or wasmBinary)');
  const threads = defaultThreads(hardwareThreads());
  return resolved(threads, `the default, min(4, ceil(cores / 2)) = ${threads}${threads > 1 ? '' : ' here'}`);
}

// A later init() gets the module loaded first if every option it gives agrees with what the
// first call loaded; options it leaves out do not matter (library code may call init() again).
function sameAsFirst(options) {
  return Object.keys(options).every((key) => {
    if (key === 'threads') return options.threads === initResolved.threads;
    if (key === 'simd') return kernelsFor(options.simd) === initResolved.packaged.kernels;
    return options[key] === initOptions[key];
  });
}

export const VERSION = '0.1.0';

export function wasmModule() {
  if (!wasm) throw new QlinearError('qlinear is not initialised: call `await init()` first');
  return wasm;
}

// How many threads run, and why that many (or why not more).
function threadsReport() {
  const count = wasmModule()._buildInfo().threadCount;
  const support = threadSupport();
  if (!support.possible) return { count, possible: false, reason: `threads off: ${support.reason}` };
  return { count, possible: true, reason: `${count} thread${count > 1 ? 's' : ''}: ${initResolved.why}` };
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
    threads: threadsReport(),
  };
}

