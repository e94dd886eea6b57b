// The seed's static example in JavaScript: Linear(6, 1, bias=False) with the weights
// [3, -5.5, 0, 6, -6, 2.5], model.qconfig = get_default_qconfig('fbgemm'), prepare, calibrate,
// convert; then the int8 weight, its scale and zero point, as the tutorial prints them.
// (PyTorch converts even without calibration data; qlinear asks for some, here 64 rows.)
//
//   node examples/default_qconfig.mjs
import { init, Model, getDefaultQConfig } from 'qlinear';

await init();

const model = new Model([{ name: 'linear', inFeatures: 6, outFeatures: 1, weight: [3.0, -5.5, 0.0, 6.0, -6.0, 2.5] }]);
const qconfig = getDefaultQConfig('fbgemm'); // HistogramObserver (reduceRange) + per-channel qint8 symmetric weights
const prepared = model.prepare(qconfig.activation);
const calibration = Float32Array.from({ length: 64 * 6 }, (_, i) => Math.sin(i * 0.61) * 3);
prepared.forward(calibration, 64);
const int8 = prepared.convert(qconfig.weight);

const fmt = (values, digits) => `[${Array.from(values, (v) => (digits === undefined ? String(v) : v.toFixed(digits))).join(', ')}]`;
const { values, qparams } = int8.layerIntRepr('linear');
const input = int8.report().layers[0].inputQParams;
console.log(`fp32 weight:           ${fmt(model.layerWeight('linear'), 4)}`);
console.log(`int8 weight (int_repr): ${fmt(values)}`);
console.log(`dequantized:           ${fmt(int8.layerWeight('linear'), 4)}`);
console.log(`weight scale: ${fmt(qparams.scale, 6)}, zero point: ${fmt(qparams.zeroPoint)} (${qparams.scheme})`);
console.log(`input scale ${input.scale[0].toFixed(6)}, zero point ${input.zeroPoint[0]} (HistogramObserver, reduceRange ${qconfig.activation.reduceRange})`);
for (const m of [model, prepared, int8]) m.dispose();
