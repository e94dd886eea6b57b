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
   * simd: 'relaxed', wasmUrl or wasmBinary. More than 1 loads the threaded module (SIMD128
   * kernels) and rejects with a QlinearError saying why where threads are not possible, or with
   * simd: 'relaxed', wasmUrl or wasmBinary.
   */
  threads?: number;
}

/**
 * Options of every forward(x, batch, options). `out`: a Float32Array of exactly batch × outFeatures
 * floats that receives the output and is returned, instead of a new array each call (a new array
 * of megabytes costs milliseconds to touch for the first time).
 */
export interface ForwardOptions {
  out?: Float32Array;
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

export interface QParams {
  /** One scale per channel (length 1 for per-tensor), float32 exactly as PyTorch's. */
  scale: Float32Array;
  zeroPoint: Int32Array;
  /** The integer range the scale was computed for (the observer's quant_min/quant_max). */
  qmin: number;
  qmax: number;
  dtype: QuantDtype;
  scheme: QScheme;
  /** Channel axis for per-channel schemes, -1 for per-tensor. */
  axis: number;
}

export interface ShapeOptions {
  /** Row-major shape of the values; defaults to [values.length]. */
  shape?: readonly number[];
}

export interface QParamsOptions extends ShapeOptions {
  /** One scale and zero point per slice along `axis` (default false). */
  perChannel?: boolean;
  /** Channel axis for perChannel; negative counts from the end (default 0: rows of a [out, in] weight). */
  axis?: number;
  /** Default 'qint8'. */
  dtype?: QuantDtype;
  /** Halve the range as PyTorch's reduce_range does (default false). */
  reduceRange?: boolean;
  /** Default 'full'. */
  range?: RangeVariant;
}

export type FloatInput = Float32Array | readonly number[];
export type QuantizedValues = Int8Array | Uint8Array;

export declare function getSymmetricQParams(values: FloatInput, options?: QParamsOptions): QParams;
export declare function getAsymmetricQParams(values: FloatInput, options?: QParamsOptions): QParams;
/** Int8Array for qint8, Uint8Array for quint8. */
export declare function quantizeTensor(values: FloatInput, qparams: QParams, options?: ShapeOptions): QuantizedValues;
export declare function dequantizeTensor(qvalues: QuantizedValues | readonly number[], qparams: QParams, options?: ShapeOptions): Float32Array;
export declare function fakeQuantize(values: FloatInput, qparams: QParams, options?: ShapeOptions): Float32Array;
/** torch.quantize_per_tensor(x, scale, zero_point, dtype) (dtype default 'quint8'). */
export declare function quantizePerTensor(values: FloatInput, scale: number, zeroPoint: number, dtype?: QuantDtype): QuantizedValues;
/** torch.quantize_per_channel(x, scales, zero_points, axis, dtype) on a tensor of `shape`. */
export declare function quantizePerChannel(values: FloatInput, scales: ArrayLike<number>, zeroPoints: ArrayLike<number>, axis: number,
  dtype: QuantDtype, options: { shape: readonly number[] }): QuantizedValues;
/** torch._choose_qparams_per_tensor(x, reduce_range): dynamic Linear's input qparams (reduceRange default true). */
export declare function chooseQParams(values: FloatInput, options?: { reduceRange?: boolean }): { scale: number; zeroPoint: number; qmin: number; qmax: number };
/** A quantized weight as PyTorch's int_repr() gives it, with its shape and qparams. */
export interface IntRepr {
  values: QuantizedValues;
  shape: number[];
  qparams: QParams;
}

export interface ErrorMetrics {
  maxAbsError: number;
  mse: number;
  /** 10·log10(Σref² / Σerr²): Infinity when exact. */
  sqnrDb: number;
  cosineSimilarity: number;
}
export declare function errorMetrics(reference: FloatInput, approximation: FloatInput): ErrorMetrics;

/** Shared by both observers. They hold wasm memory: call dispose() (or use `using`). */
declare class Observer extends WasmObject {
  /** PyTorch's forward(): records the running min/max and returns its input unchanged. */
  forward<T extends FloatInput>(values: T, options?: ShapeOptions): T;
  calculateQParams(): QParams;
  /** PyTorch's spelling of calculateQParams(). */
  calculate_qparams(): QParams;
  readonly hasObserved: boolean;
}

export interface MinMaxObserverOptions {
  /** Default 'quint8', as in PyTorch. */
  dtype?: QuantDtype;
  /** Default 'per_tensor_affine'. */
  qscheme?: 'per_tensor_affine' | 'per_tensor_symmetric';
  reduceRange?: boolean;
  range?: RangeVariant;
}

export declare class MinMaxObserver extends Observer {
  constructor(options?: MinMaxObserverOptions);
  readonly minVal: number;
  readonly maxVal: number;
}

export interface PerChannelMinMaxObserverOptions {
  dtype?: QuantDtype;
  /** Default 'per_channel_affine'. */
  qscheme?: 'per_channel_affine' | 'per_channel_symmetric';
  reduceRange?: boolean;
  /** Default 0. */
  chAxis?: number;
  range?: RangeVariant;
}

export declare class PerChannelMinMaxObserver extends Observer {
  constructor(options?: PerChannelMinMaxObserverOptions);
}

export interface HistogramObserverOptions {
  /** Default 2048, as in PyTorch. */
  bins?: number;
  /** Default 128: how finely the old histogram is resampled when the range grows. */
  upsampleRate?: number;
  /** Default 'quint8'. */
  dtype?: QuantDtype;
  /** Default 'per_tensor_affine' (per tensor only, as PyTorch). */
  qscheme?: 'per_tensor_affine' | 'per_tensor_symmetric';
  reduceRange?: boolean;
  range?: RangeVariant;
}

/** PyTorch 1.13's HistogramObserver, bit for bit: qparams from the range with the least L2 error. */
export declare class HistogramObserver extends Observer {
  constructor(options?: HistogramObserverOptions);
  readonly minVal: number;
  readonly maxVal: number;
  /** The bin counts over [minVal, maxVal] (a copy). */
  readonly histogram: Float32Array;
}

// ---- layers and models -------------------------------------------------------------------


/** What a W8A8 forward quantizes each input row with (one entry per row). */
export interface ActivationQParams {
  scale: Float32Array;
  zeroPoint: Int32Array;
}

export interface LinearInit {
  inFeatures: number;
  outFeatures: number;
  /** Row-major [outFeatures, inFeatures], PyTorch's layout. */
  weight: FloatInput;
  bias?: FloatInput | null;
}

export interface QuantizeOptions {
  /** Default true. */
  symmetric?: boolean;
  /** One scale per output channel (default true). */
  perChannel?: boolean;
  dtype?: QuantDtype;
  reduceRange?: boolean;
  /** Default 'full', or 'restricted' (bitsandbytes' absmax / 127) for mode 'llm-int8'. */
  range?: RangeVariant;
  /** Default 'weight-only'. */
  mode?: ForwardMode;
  /** Default 'per-row' (dynamic mode only). */
  activations?: ActivationScheme;
  /** llm-int8 mode: input columns with any |x| >= this go through fp32 (default 6; 0 = never). */
  outlierThreshold?: number;
}

/** PreparedModel.convert(): how to quantize the weights (the layers' mode is 'static'). */
export type ConvertOptions = Pick<QuantizeOptions, 'symmetric' | 'perChannel' | 'dtype' | 'reduceRange' | 'range'>;


export interface PrepareOptions {
  /** Default 'minmax'. */
  observer?: ActivationObserverName;
  /** The activations' quint8 scheme (default 'per_tensor_affine', as PyTorch's activation observers). */
  qscheme?: 'per_tensor_affine' | 'per_tensor_symmetric';
  reduceRange?: boolean;
  /** 'moving-average': min += c·(batch min − min) per batch (default 0.01). */
  averagingConstant?: number;
  /** 'percentile': clip to the [100 − p, p] percentiles, in (50, 100] (default 99.99). */
  percentile?: number;
}

export interface ObserverState {
  name: string;
  observed: boolean;
  /** The range the qparams come from (after clipping for 'percentile'); null before data. */
  min: number | null;
  max: number | null;
  qparams: QParams | null;
}

/** Shared by every wasm-owning object: call dispose() when done (or use `using`). */
declare class WasmObject {
  dispose(): void;
  [Symbol.dispose](): void;
}

export declare class Linear extends WasmObject {
  constructor(init: LinearInit);
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Float32Array;
  readonly bias: Float32Array | null;
  /** x row-major [batch, inFeatures] → [batch, outFeatures]. */
  forward(x: FloatInput, batch?: number, options?: ForwardOptions): Float32Array;
}

export declare class QuantLinear extends WasmObject {
  private constructor();
  static fromLinear(linear: Linear, options?: QuantizeOptions): QuantLinear;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** The integers, row-major [outFeatures, inFeatures]. */
  readonly weight: QuantizedValues;
  readonly qparams: QParams;
  /** PyTorch's int_repr() with its shape and qparams. */
  intRepr(): IntRepr;
  readonly bias: Float32Array | null;
  /** Bytes held: integers, scales, zero points and bias. */
  readonly bytes: number;
  mode: ForwardMode;
  readonly activations: ActivationScheme;
  /** llm-int8: columns with any |x| >= this take the fp32 path. */
  outlierThreshold: number;
  /** Outlier columns the last llm-int8 forward found; null before any forward. */
  readonly lastOutlierColumns: number | null;
  /** Static mode's calibrated input qparams, or null. */
  readonly inputQParams: QParams | null;
  /** The quint8 scale and zero point each row of x gets when forward(x, batch) quantizes it; throws in weight-only mode. */
  activationQParams(x: FloatInput, batch?: number): ActivationQParams;
  forward(x: FloatInput, batch?: number, options?: ForwardOptions): Float32Array;
}

export type LayerSpec =
  | { name: string; linear: Linear | QuantLinear; activation?: ActivationName }
  | ({ name: string; activation?: ActivationName } & LinearInit);

export interface LayerReport {
  name: string;
  kind: 'linear' | 'quant_linear';
  activation: ActivationName;
  inFeatures: number;
  outFeatures: number;
  dtype: 'float32' | QuantDtype;
  scheme: QScheme | null;
  mode: ForwardMode | null;
  activations: ActivationScheme | null;
  /** llm-int8 layers: the threshold, and how many outlier columns the last forward found (null before one). */
  outlierThreshold: number | null;
  lastOutlierColumns: number | null;
  /** static layers: the calibrated input qparams. */
  inputQParams: QParams | null;
  /** Weight + bias as fp32. */
  bytesFp32: number;
  /** What the layer holds now. */
  bytes: number;
  scaleMin: number | null;
  scaleMax: number | null;
  /** The quantized weight against the fp32 weight it replaced (null for fp32 layers). */
  weightError: ErrorMetrics | null;
}

export interface OutputComparison {
  batch: number;
  /** Final outputs of this model against the reference's, all rows together. */
  outputError: ErrorMetrics;
  /** Fraction of rows whose argmax is the same. */
  argmaxAgreement: number;
  /** Each layer's output (after its activation), errors accumulated from the layers before. */
  layerError: ErrorMetrics[];
}

export interface ModelReport {
  layers: LayerReport[];
  bytesFp32: number;
  bytes: number;
  /** Present when report() was given a reference model and an input. */
  comparison?: OutputComparison;
}

export interface ReportOptions {
  reference?: Model;
  input?: FloatInput;
  batch?: number;
}

export declare class Model extends WasmObject {
  constructor(layers?: LayerSpec[]);
  add(spec: LayerSpec): this;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly layerCount: number;
  /** The weight a layer computes with ([out, in]; dequantized for int8 layers), a copy. */
  layerWeight(layerName: string): Float32Array;
  /** A quantized layer's int_repr() (integers, shape, qparams), null for an fp32 one. */
  layerIntRepr(layerName: string): IntRepr | null;
  /** Per layer, the quint8 scale and zero point each input row gets in a forward of x; null for fp32 and weight-only layers. */
  activationQParams(x: FloatInput, batch?: number): (ActivationQParams | null)[];
  /** The weight qparams of a quantized layer, null for an fp32 one; throws for an unknown name. */
  qparams(layerName: string): QParams | null;
  forward(x: FloatInput, batch?: number, options?: ForwardOptions): Float32Array;
  forwardEachLayer(x: FloatInput, batch?: number): Float32Array[];
  /** quantize_model_weights: a new model; this one is left as it is. Unknown names in `exclude` throw. */
  quantize(options?: QuantizeOptions, exclude?: readonly string[]): Model;
  setForwardMode(layerName: string, mode: ForwardMode): this;
  setOutlierThreshold(layerName: string, threshold: number): this;
  /** One quantized layer's static-mode input qparams (quint8 per tensor), e.g. PyTorch's. */
  setInputQParams(layerName: string, qparams: { scale: number; zeroPoint: number }): this;
  /** Static W8A8, step 1: a copy of this model observing every layer's input. */
  prepare(options?: PrepareOptions): PreparedModel;
  /** The model as a safetensors file that loadModel() reads back exactly, with its metadata. */
  save(): Uint8Array;
  report(options?: ReportOptions): ModelReport;
  /** How loadModel() found the layers; null for a model built in code or quantized from one. */
  readonly layout: ModelLayout | null;
  /** Its file's __metadata__ (qlinear's own keys aside), kept through quantize() and save(): a copy. */
  readonly metadata: Record<string, string>;
  /** Sets one metadata key; '' or null removes it. */
  setMetadata(key: string, value: string | null): this;
  /** The input normalization its metadata records, or null. */
  readonly inputNormalization: InputNormalization | null;
  /** Records an input normalization in the metadata (written by save()). */
  setInputNormalization(normalization: { mean: ArrayLike<number>; std: ArrayLike<number> }): this;
}

// ---- safetensors files ---------------------------------------------------------------------

/** A model with an observer on every layer's input (PyTorch's prepared model). */
export declare class PreparedModel extends WasmObject {
  private constructor();
  /** Calibration: runs the model as it is and observes each layer's input. */
  forward(x: FloatInput, batch?: number, options?: ForwardOptions): Float32Array;
  readonly calibrationRows: number;
  observers(): ObserverState[];
  /** Static W8A8, step 3: a new Model with static-mode layers. */
  convert(options?: ConvertOptions, exclude?: readonly string[]): Model;
}

/** torch.ao.quantization.prepare: `model.prepare(options)`. */
export declare function prepare(model: Model, options?: PrepareOptions): PreparedModel;
/** torch.ao.quantization.convert: `prepared.convert(options, exclude)`. */
export declare function convert(prepared: PreparedModel, options?: ConvertOptions, exclude?: readonly string[]): Model;

/** PyTorch 1.13's get_default_qconfig(backend) as the options prepare() and convert() take. */
export interface QConfig {
  readonly activation: Readonly<PrepareOptions>;
  readonly weight: Readonly<ConvertOptions>;
}
/** PyTorch 1.13's get_default_qconfig(backend); default 'fbgemm', as PyTorch's. */
export declare function getDefaultQConfig(backend?: QConfigBackend): QConfig;

export interface ModelSpecJson {
  /** `batchNorm` / `batchNormBefore`: a BatchNorm1d module right after / before this Linear, folded into it. */
  layers: { name: string; activation?: ActivationName; batchNorm?: string; batchNormBefore?: string }[];
}

/** How loadModel() found the layers in the file. */
export interface ModelLayout {
  /** 'sequential' (nn.Sequential, maybe under a prefix), 'named' (chained by shapes), 'spec' (yours) or 'qlinear' (a file qlinear saved). */
  kind: 'sequential' | 'named' | 'spec' | 'qlinear';
  /** The layers in order, as a spec: edit it and pass it back as `spec`. */
  spec: { layers: { name: string; activation: ActivationName; batchNorm: string | null; batchNormBefore: string | null }[] };
  /** One line for people: what was inferred and what was assumed (the activations of named layers). */
  description: string;
}

/** The preprocessing x' = (x − mean) / std a model was trained with (one value, one per channel of planar [C, H, W] input, or one per feature). */
export interface InputNormalization {
  mean: Float32Array;
  std: Float32Array;
  /** The __metadata__ key it was read from. */
  key: string;
}

/** (x − mean) / std for rows of `features` values: a new array. */
export declare function normalizeInputs(x: FloatInput, normalization: { mean: ArrayLike<number>; std: ArrayLike<number> }, features: number): Float32Array;

export interface LoadOptions {
  /** Layer names (tensors <name>.weight / <name>.bias) and activations, in order; needed unless the file is qlinear's or an nn.Sequential state_dict. */
  spec?: ModelSpecJson | string;
  /** Activation between the layers of an inferred layout (default 'relu'): nn.Sequential's parameter-free modules, named layers' forward(). */
  activation?: ActivationName;
  /** Activation after its last layer (default 'identity'). */
  outputActivation?: ActivationName;
  /** eps of the BatchNorm1d modules folded in (PyTorch does not save it; default 1e-5). */
  batchNormEps?: number;
}

export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView;

/** A model from a safetensors file (qlinear's own, a PyTorch nn.Sequential state_dict, or any naming with a spec). */
export declare function loadModel(bytes: Bytes, options?: LoadOptions): Model;

export interface TensorSummary {
  name: string;
  /** safetensors dtype: 'F32', 'F16', 'BF16', 'I8', 'U8', 'I32', ... */
  dtype: string;
  shape: number[];
  bytes: number;
  /** e.g. 'qint8 per_channel_symmetric weight-only' for a quantized weight, else null. */
  quantization: string | null;
}

export declare function inspectSafetensors(bytes: Bytes): {
  tensors: TensorSummary[];
  metadata: Record<string, string>;
  fileBytes: number;
};

// ---- checkpoints of any size, streamed ----------------------------------------------------

/** A file read at offsets: read() fills `target` with the bytes from `offset`, synchronously. */
export interface CheckpointFile {
  name: string;
  size: number;
  read(offset: number, target: Uint8Array): void;
}

export interface TensorPlan {
  name: string;
  /** The PyTorch module it belongs to. */
  module: string;
  /** A linear layer's weight (nn.Linear or Conv1D), quantized or not. */
  linear: boolean;
  /** Converted to int8. */
  quantize: boolean;
  layout: WeightLayout;
  outFeatures: number;
  inFeatures: number;
  /** Why it is or is not quantized ('nn.Linear', 'Conv1D', 'embedding', 'norm', "excluded by '...'", ...). */
  reason: string;
}

export interface CheckpointPlan {
  modelType: string;
  tensors: TensorPlan[];
}

export interface CheckpointOptions {
  /** Default 'bitsandbytes'. */
  format?: CheckpointFormat;
  /** bitsandbytes: keep the other tensors' dtype instead of float16 (default false). */
  keepDtype?: boolean;
  /** qlinear format: symmetric (default true) or affine. */
  symmetric?: boolean;
  /** qlinear format: a scale per output channel (default true). */
  perChannel?: boolean;
  /** qlinear format: default 'qint8'. */
  dtype?: QuantDtype;
}

export interface CheckpointProgress {
  /** Index of the tensor just written, and its name. */
  tensor: number;
  name: string;
  bytesWritten: number;
  bytesTotal: number;
  /** For a quantized weight: its shape, scale range and error against the float32 weight. */
  layer: { module: string; outFeatures: number; inFeatures: number; scaleMin: number; scaleMax: number; error: ErrorMetrics } | null;
}

/** A safetensors checkpoint (one file or the shards of an index) read tensor by tensor. */
export declare class Checkpoint extends WasmObject {
  static open(files: CheckpointFile | CheckpointFile[], options?: { index?: { name: string; text: string } }): Checkpoint;
  readonly tensors: { name: string; dtype: string; shape: number[]; bytes: number; file: string }[];
  readonly metadata: Record<string, string>;
  /** inspectSafetensors()'s answer, from the headers alone. */
  summary(): ReturnType<typeof inspectSafetensors>;
  plan(options?: { config?: string; exclude?: string[]; include?: string[] }): CheckpointPlan;
  quantize(plan: CheckpointPlan, options?: CheckpointOptions,
    io?: { write: (bytes: Uint8Array) => void; onProgress?: (report: CheckpointProgress) => void }): number;
}

/** config.json's quantization_config to load an output of `plan` in `format` (null for 'qlinear'). */
export declare function quantizationConfig(plan: CheckpointPlan, format: CheckpointFormat): Record<string, unknown> | null;
/** The config.json to save beside the output: the source's (its text or ''), with quantization_config (and torch_dtype float16 for bitsandbytes). */
export declare function outputConfig(sourceConfig: string, plan: CheckpointPlan, options: { format: CheckpointFormat; keepDtype?: boolean }): Record<string, unknown>;

export interface ModuleTreeTensor {
  /** The last part of the name ('weight'), and the whole name. */
  leaf: string;
  name: string;
  dtype: string;
  shape: number[];
  quantize: boolean;
  reason: string;
  outFeatures: number;
  inFeatures: number;
}

export interface ModuleTreeNode {
  /** The module's own part of the name ('' for tensors without a module). */
  part: string;
  /** Its full name (in the first of repeated blocks). */
  name: string;
  /** The exclude pattern that names it in every repeated block ('transformer.h.*.attn'). */
  pattern: string;
  /** For numbered blocks alike (h.0 … h.35): the last number and how many. */
  blocks: { last: string; count: number } | null;
  tensors: ModuleTreeTensor[];
  children: ModuleTreeNode[];
}

/** The module tree print(model) would show, inferred from the key names, with the plan's choices. */
export declare function moduleTree(tensors: { name: string; dtype: string; shape: number[] }[], plan: CheckpointPlan): ModuleTreeNode[];
/** The same tree as the text lines `qlinear inspect` prints. */
export declare function moduleTreeLines(tensors: { name: string; dtype: string; shape: number[] }[], plan: CheckpointPlan): string[];

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
