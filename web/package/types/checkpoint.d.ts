// Types of qlinear's streamed checkpoint quantizer (re-exported by ../qlinear.d.ts, the package's types entry).
import type {
  QuantDtype, QScheme, RangeVariant, ActivationName, ForwardMode, ActivationScheme, ActivationObserverName,
  CheckpointFormat, WeightLayout, QConfigBackend,
} from '../dist/options.js';
import type { WasmObject } from './wasm-object.js';
import type { ErrorMetrics } from './quantizers.js';
import type { inspectSafetensors } from './models.js';

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
