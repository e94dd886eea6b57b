// Types for qlinear's ES module (web/package/qlinear.js).

export declare const VERSION: string;

/**
 * Thrown for bad values qlinear detects (NaN, shapes that do not fit, malformed files, ...);
 * wrong argument types and unknown options throw TypeError. Either way the module stays usable.
 */
export declare class QlinearError extends Error {
  name: 'QlinearError';
}

export interface InitOptions {
  /** Where the .wasm file is, when a bundler or CDN moved it away from qlinear.js. */
  wasmUrl?: string | URL;
  /** The .wasm bytes themselves (skips any fetch). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /**
   * Which packaged module: 'auto' (default) takes the one whose W8A8 kernels use relaxed SIMD's
   * int8 dot where the engine runs it correctly and as one instruction (recent Chrome on x64
   * CPUs with AVX-VNNI), else the SIMD128 one. 'relaxed' where the dot computes wrong rejects
   * with a QlinearError.
   */
  simd?: 'auto' | 'relaxed' | 'simd128';
  /**
   * How many threads the int8 kernels run on (1 to 64; results are the same bits for any count).
   * Default: min(4, ceil(cores / 2)) where threads are possible (Node with
   * process.getBuiltinModule, 20.16+; a cross-origin isolated page or worker), else 1, and 1 with
   * wasmUrl or wasmBinary. More than 1 loads a threaded module (the relaxed-SIMD or the SIMD128
   * one, as `simd` picks) and rejects with a QlinearError saying why where threads are not
   * possible, or with wasmUrl or wasmBinary.
   */
  threads?: number;
}

/** Loads the WebAssembly module; await it once before calling anything else. */
export declare function init(options?: InitOptions): Promise<{ version: string }>;

// Every choice the core names (dtypes, schemes, activations, forward modes, observers), written
// by the build from the core's option table: see dist/options.d.ts for each value's meaning.
import type {
  QuantDtype, QScheme, RangeVariant, ActivationName, ForwardMode, ActivationScheme, ActivationObserverName,
  CheckpointFormat, WeightLayout, QConfigBackend,
} from './dist/options.js';
export type {
  QuantDtype, QScheme, RangeVariant, ActivationName, ForwardMode, ActivationScheme, ActivationObserverName,
  CheckpointFormat, WeightLayout, QConfigBackend,
} from './dist/options.js';

export * from './types/quantizers.js';
export * from './types/models.js';
export * from './types/checkpoint.js';


/** The WebAssembly heap in bytes: in use by qlinear's objects, reserved (grows, never shrinks), and its limit (4 GiB less 64 KiB). */
export declare function memory(): { inUse: number; reserved: number; limit: number };

export interface Capabilities {
  version: string;
  build: {
    simd128: boolean;
    /** Whether the loaded module is the threaded one, and how many threads its kernels run on. */
    threads: boolean;
    threadCount: number;
    emscripten: string;
    exceptions: string;
    /** The packed int8 kernels in the loaded module: 'wasm-simd128' or 'wasm-relaxed-simd'. */
    kernels: 'wasm-simd128' | 'wasm-relaxed-simd';
  };
  /**
   * The engine's relaxed SIMD int8 dot: whether it computes it right, and whether as one
   * instruction (AVX-VNNI's vpdpbusd). init()'s simd: 'auto' takes the relaxed build only if both.
   */
  relaxedSimd: { works: boolean; oneInstructionDot: boolean };
  memory: { inUse: number; reserved: number; limit: number };
  environment: 'node' | 'browser' | 'worker';
  /** Whether the page may use SharedArrayBuffer (needed by a threaded build). */
  crossOriginIsolated: boolean;
  /** navigator.hardwareConcurrency where there is one. */
  hardwareConcurrency: number | null;
  /**
   * Threads in use, whether more are possible here and why not, e.g. "threads off: the page is
   * not cross-origin isolated: serve it with the headers ...".
   */
  threads: { count: number; possible: boolean; reason: string };
}

/** One option of an options object, as the core's option table describes it. */
export interface OptionInfo {
  name: string;
  /** 'boolean', 'integer', 'number', or the name of one of the unions above ('ForwardMode'). */
  type: string;
  /** For a union: the names this option accepts. */
  choices: string[];
  /** null when another option decides it (`note` says how). */
  default: boolean | number | string | null;
  /** For numbers: the values accepted. */
  range: { min: number; max: number; minExclusive: boolean } | null;
  note: string;
}

/** Every option of every options object (QuantizeOptions, PrepareOptions, ...) and every union's names with their meanings. */
export interface OptionTable {
  groups: { name: string; options: OptionInfo[] }[];
  enums: { type: string; names: string[]; descriptions: string[] }[];
}

/** The core's option table, from which the package checks options and fills defaults. */
export declare function optionTable(): OptionTable;

/** The build, version, heap and environment: what to report when something is slow or fails. */
export declare function capabilities(): Capabilities;
