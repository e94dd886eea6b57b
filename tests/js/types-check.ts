// Compiled (not run) by `npm test` with tsc --noEmit: proves web/package/qlinear.d.ts describes the API
// a TypeScript user writes against, and that typos in options are caught at compile time.
import {
  init, getSymmetricQParams, getAsymmetricQParams, quantizeTensor, dequantizeTensor, fakeQuantize,
  errorMetrics, MinMaxObserver, PerChannelMinMaxObserver, QlinearError, type QParams,
  Linear, QuantLinear, Model, type ModelReport, loadModel, inspectSafetensors, capabilities,
  PreparedModel, prepare, convert, type ObserverState,
  Checkpoint, quantizationConfig, type CheckpointFile, type CheckpointPlan, type CheckpointProgress,
  type CheckpointFormat, type WeightLayout,
  quantizePerTensor, quantizePerChannel, chooseQParams, normalizeInputs, type IntRepr, type ModelLayout, type InputNormalization,
  HistogramObserver, getDefaultQConfig, type QConfig,
} from 'qlinear';

export async function example(): Promise<number> {
  await init({ wasmUrl: new URL('https://example.invalid/qlinear.wasm') });
  const weights = new Float32Array([3.0, -5.5, 0.0, 6.0, -6.0, 2.5]);
  const qp: QParams = getSymmetricQParams(weights, { perChannel: true, axis: 0, shape: [2, 3], dtype: 'qint8' });
  const affine = getAsymmetricQParams([1, 2, 3], { reduceRange: true, range: 'full' });
  const q: Int8Array | Uint8Array = quantizeTensor(weights, qp, { shape: [2, 3] });
  const back: Float32Array = dequantizeTensor(q, qp, { shape: [2, 3] });
  const fq: Float32Array = fakeQuantize(weights, affine);
  const observer = new MinMaxObserver({ dtype: 'qint8', qscheme: 'per_tensor_symmetric' });
  observer.forward(weights);
  const fromObserver: QParams = observer.calculate_qparams();
  observer.dispose();
  const perChannel = new PerChannelMinMaxObserver({ chAxis: 1, qscheme: 'per_channel_affine' });
  perChannel.dispose();
  try {
    getSymmetricQParams([]);
  } catch (e) {
    if (e instanceof QlinearError) console.log(e.message);
  }
  // @ts-expect-error misspelled option
  getSymmetricQParams(weights, { perchannel: true });
  // @ts-expect-error dtype is 'qint8' | 'quint8'
  getSymmetricQParams(weights, { dtype: 'int4' });
  // @ts-expect-error MinMaxObserver takes per-tensor schemes only
  new MinMaxObserver({ qscheme: 'per_channel_affine' });
  const histogram = new HistogramObserver({ bins: 1024, reduceRange: true });
  histogram.forward(weights);
  const counts: Float32Array = histogram.histogram;
  const histogramScale: number = histogram.calculateQParams().scale[0] + histogram.minVal + counts.length;
  // @ts-expect-error HistogramObserver is per tensor only
  new HistogramObserver({ qscheme: 'per_channel_symmetric' });
  const qconfig: QConfig = getDefaultQConfig('qnnpack');
  const preset = prepare(new Model([]), qconfig.activation).convert(qconfig.weight);
  // @ts-expect-error backends are named
  getDefaultQConfig('tensorrt');
  return errorMetrics(weights, back).sqnrDb + fq.length + fromObserver.scale[0];
}

export function modelExample(weight: Float32Array, bias: Float32Array, x: Float32Array): number {
  const model = new Model([
    { name: 'layer1', inFeatures: 64, outFeatures: 128, weight, bias, activation: 'relu' },
    { name: 'head', linear: new Linear({ inFeatures: 128, outFeatures: 9, weight, bias: null }) },
  ]);
  const q: Model = model.quantize({ symmetric: false, perChannel: true, mode: 'dynamic', activations: 'pytorch' }, ['head']);
  const y: Float32Array = q.forward(x, 2);
  const reused: Float32Array = q.forward(x, 2, { out: new Float32Array(18) });
  // @ts-expect-error out is a Float32Array
  q.forward(x, 2, { out: [0, 1] });
  const report: ModelReport = q.report({ reference: model, input: x, batch: 2 });
  void reused;
  const layer = QuantLinear.fromLinear(new Linear({ inFeatures: 2, outFeatures: 1, weight: [1, 2] }));
  layer.mode = 'dynamic';
  // @ts-expect-error modes are named
  layer.mode = 'w4a16';
  // @ts-expect-error QuantLinear has no public constructor
  new QuantLinear();
  q.dispose();
  model.dispose();
  return y[0] + (report.comparison?.outputError.sqnrDb ?? 0) + report.layers.length;
}

export function ioExample(bytes: Uint8Array): number {
  const model = loadModel(bytes, { spec: { layers: [{ name: 'fc1', activation: 'relu' }, { name: 'out' }] } });
  const saved: Uint8Array = model.quantize().save();
  const { tensors, metadata } = inspectSafetensors(saved);
  const inferred = loadModel(new ArrayBuffer(8), { activation: 'gelu', outputActivation: 'softmax' });
  // @ts-expect-error activations are named
  loadModel(bytes, { activation: 'swish' });
  inferred.dispose();
  model.dispose();
  return tensors[0].shape[0] + Object.keys(metadata).length;
}

export function capabilityExample(): boolean {
  const c = capabilities();
  return c.build.simd128 && c.memory.limit > c.memory.inUse && (c.hardwareConcurrency ?? 1) > 0 && c.environment !== 'node';
}

export function int8ModesExample(model: Model, calibration: Float32Array): number {
  const llm: Model = model.quantize({ mode: 'llm-int8', outlierThreshold: 6, range: 'restricted' });
  llm.forward(calibration, 1);
  const outliers: number | null = llm.report().layers[0].lastOutlierColumns;
  const prepared: PreparedModel = prepare(model, { observer: 'percentile', percentile: 99.9 });
  prepared.forward(calibration, 1);
  const state: ObserverState[] = prepared.observers();
  const staticModel: Model = convert(prepared, { perChannel: true }, ['head']);
  const alsoStatic: Model = model.prepare({ observer: 'moving-average', averagingConstant: 0.1, qscheme: 'per_tensor_symmetric' }).convert();
  // @ts-expect-error convert() takes weight options only: its layers are 'static'
  prepared.convert({ mode: 'dynamic' });
  llm.setOutlierThreshold('fc1', 8);
  // @ts-expect-error observers are named
  model.prepare({ observer: 'entropy' });
  const scale = staticModel.report().layers[0].inputQParams?.scale[0] ?? 0;
  for (const m of [llm, prepared, staticModel, alsoStatic]) m.dispose();
  return (outliers ?? 0) + state.length + scale + prepared.calibrationRows;
}

// Streaming checkpoints.
export function checkpoints(file: CheckpointFile): number {
  const checkpoint: Checkpoint = Checkpoint.open(file);
  const plan: CheckpointPlan = checkpoint.plan({ exclude: ['transformer.h.*.attn'] });
  const layout: WeightLayout = plan.tensors[0].layout;
  const format: CheckpointFormat = 'compressed-tensors';
  const written: number = checkpoint.quantize(plan, { format }, {
    write: (bytes: Uint8Array) => void bytes.length,
    onProgress: (r: CheckpointProgress) => void r.layer?.error.sqnrDb,
  });
  // @ts-expect-error formats are named
  checkpoint.quantize(plan, { format: 'gguf' }, { write: () => {} });
  const config = quantizationConfig(plan, 'bitsandbytes');
  checkpoint.dispose();
  return written + (config ? 1 : 0) + (layout === 'conv1d' ? 1 : 0);
}

export function pytorchNames(model: Model, bytes: Uint8Array): number {
  const q = quantizePerTensor([0.5, -1], 0.1, 128, 'quint8');
  const c = quantizePerChannel([1, 2, 3, 4], [0.1, 0.2], [0, 0], 0, 'qint8', { shape: [2, 2] });
  const { scale, zeroPoint } = chooseQParams(new Float32Array([1, 2]), { reduceRange: false });
  const repr: IntRepr | null = model.layerIntRepr('fc');
  const loaded = loadModel(bytes, { activation: 'gelu', batchNormEps: 1e-3, spec: { layers: [{ name: 'fc1', batchNorm: 'bn1' }] } });
  const layout: ModelLayout | null = loaded.layout;
  const n: InputNormalization | null = loaded.inputNormalization;
  loaded.setInputNormalization({ mean: [0.5], std: [0.25] }).setMetadata('note', null);
  const x: Float32Array = normalizeInputs([1, 2], { mean: [0], std: [1] }, 2);
  // @ts-expect-error quantizePerChannel needs the shape
  quantizePerChannel([1, 2], [0.1], [0], 0, 'qint8');
  loaded.dispose();
  return q.length + c.length + scale + zeroPoint + (repr?.shape[0] ?? 0) + (layout?.kind === 'named' ? 1 : 0) + (n?.mean[0] ?? 0) +
    x.length + Object.keys(loaded.metadata).length;
}
