// Types of qlinear's layers, models and safetensors files (re-exported by ../qlinear.d.ts, the package's types entry).
import type {
  QuantDtype, QScheme, RangeVariant, ActivationName, ForwardMode, ActivationScheme, ActivationObserverName,
  CheckpointFormat, WeightLayout, QConfigBackend,
} from '../dist/options.js';
import type { WasmObject } from './wasm-object.js';
import type { FloatInput, QParams, QuantizedValues, IntRepr, ErrorMetrics, ShapeOptions, QParamsOptions } from './quantizers.js';

/**
 * Options of every forward(x, batch, options). `out`: a Float32Array of exactly batch × outFeatures
 * floats that receives the output and is returned, instead of a new array each call (a new array
 * of megabytes costs milliseconds to touch for the first time).
 */
export interface ForwardOptions {
  out?: Float32Array;
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
