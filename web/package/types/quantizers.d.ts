// Types of qlinear's quantizers and observers (re-exported by ../qlinear.d.ts, the package's types entry).
import type {
  QuantDtype, QScheme, RangeVariant, ActivationName, ForwardMode, ActivationScheme, ActivationObserverName,
  CheckpointFormat, WeightLayout, QConfigBackend,
} from '../dist/options.js';
import type { WasmObject } from './wasm-object.js';

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
