// Compiled (not run) by `npm test` with tsc --noEmit: proves web/qlinear.d.ts describes the API
// a TypeScript user writes against, and that typos in options are caught at compile time.
import {
  init, getSymmetricQParams, getAsymmetricQParams, quantizeTensor, dequantizeTensor, fakeQuantize,
  errorMetrics, MinMaxObserver, PerChannelMinMaxObserver, QlinearError, type QParams,
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
  return errorMetrics(weights, back).sqnrDb + fq.length + fromObserver.scale[0];
}
