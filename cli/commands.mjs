// The three qlinear commands. Each takes parsed options and a logger (stderr) and writes its
// result to stdout; errors are thrown and turned into exit codes by bin/qlinear.mjs.
import { writeFile, readFile } from 'node:fs/promises';

import { accessSync, closeSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { init, loadModel, Checkpoint, moduleTreeLines, getDefaultQConfig } from '../web/package/qlinear.js';
import { nodeFile } from './checkpoint.mjs';

import { optionGroup } from '../web/package/lib/options.js';
import { megabytes, table, readFileWithProgress } from './format.mjs';
import { readInput } from './input.mjs';

async function loadOptions(options) {
  const load = {};
  // --spec is a file, or the JSON itself ('{"layers": [...]}').
  if (options.spec) load.spec = options.spec.trim().startsWith('{') ? options.spec : await readFile(options.spec, 'utf8');
  if (options.activation) load.activation = options.activation;
  if (options['batch-norm-eps'] !== undefined) load.batchNormEps = Number(options['batch-norm-eps']);
  return load;
}

/** An option's default, from the core's option table. */
const defaultOf = (group, name) => optionGroup(group).options.find((o) => o.name === name).default;

const shape = (dims) => `[${dims.join(', ')}]`;
const metric = (m) => (m ? `${m.sqnrDb.toFixed(1)} dB` : '');

// The headers alone, whatever the file's size (a 3 GB checkpoint answers at once).
export async function inspect(file, options) {
  await init();
  const source = nodeFile(file, file);
  const configPath = join(dirname(file), 'config.json');
  let summary, tree;
  try {
    const checkpoint = Checkpoint.open(source);
    summary = checkpoint.summary();
    const plan = checkpoint.plan({ config: existsSync(configPath) ? readFileSync(configPath, 'utf8') : '' });
    tree = moduleTreeLines(summary.tensors, plan);
    checkpoint.dispose();
  } finally {
    closeSync(source.fd);
  }
  const { tensors, metadata, fileBytes } = summary;
  if (options.json) return console.log(JSON.stringify({ file, fileBytes, tensors, metadata }, null, 2));
  console.log(`${file}: ${megabytes(fileBytes)}, ${tensors.length} tensors`);
  console.log(`\nmodules, and what quantize --format does with each:\n${tree.join('\n')}\n\nparameters:`);
  console.log(table([
    ['name', 'dtype', 'shape', 'bytes', 'quantization'],
    ...tensors.map((t) => [t.name, t.dtype, shape(t.shape), t.bytes.toLocaleString('en'), t.quantization ?? '']),
  ]));
  const keys = Object.keys(metadata).filter((k) => k !== 'qlinear.model');
  if (keys.length) console.log(`metadata: ${keys.map((k) => `${k}=${metadata[k]}`).join(', ')}`);
}

// Static W8A8: prepare → run the calibration rows through (32 at a time) → convert.
async function calibrateAndConvert(model, options, settings, exclude, log) {
  const { batch, values } = await readInput(options.calibration, model.inFeatures);
  // --qconfig: PyTorch's get_default_qconfig(backend), observer and weights together.
  const qconfig = options.qconfig ? getDefaultQConfig(options.qconfig) : null;
  const observer = qconfig?.activation.observer ?? options.observer ?? defaultOf('PrepareOptions', 'observer');
  const prepared = model.prepare(qconfig?.activation ?? { observer });
  try {
    for (let row = 0; row < batch; row += 32) {
      const rows = Math.min(32, batch - row);
      prepared.forward(values.subarray(row * model.inFeatures, (row + rows) * model.inFeatures), rows);
    }
    log(`calibrated on ${batch} rows of ${options.calibration} (${observer} observer` +
      `${qconfig ? `, reduceRange ${qconfig.activation.reduceRange}: PyTorch's ${options.qconfig} qconfig` : ''})`);
    return prepared.convert(qconfig?.weight ?? { symmetric: settings.symmetric, perChannel: settings.perChannel }, exclude);
  } finally {
    prepared.dispose();
  }
}

// -o checked before any work: its folder exists and may be written, and it is not a folder.
function requireWritable(output) {
  const folder = dirname(output) || '.';
  if (!existsSync(folder)) throw new Error(`cannot write ${output}: the folder ${folder} does not exist`);
  if (existsSync(output) && statSync(output).isDirectory()) throw new Error(`cannot write ${output}: it is a folder; name a .safetensors file`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new Error(`cannot write ${output}: the folder ${folder} is not writable`);
  }
}

const plural = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export async function quantize(input, options, log) {
  await init();
  requireWritable(options.output);
  const started = performance.now();
  const bytes = await readFileWithProgress(input, log);
  const model = loadModel(bytes, await loadOptions(options));
  const fp32 = model.report();
  const names = fp32.layers.map((l) => l.name);
  for (const name of options.exclude ?? [])
    if (!names.includes(name)) throw new Error(`--exclude ${name}: ${input} has no layer of that name; its layers are ${names.join(', ')}`);
  log(`read ${input}: ${megabytes(bytes.length)}, ${plural(fp32.layers.length, 'layer')} ` +
    `(${[fp32.layers[0].inFeatures, ...fp32.layers.map((l) => l.outFeatures)].join(' -> ')})`);
  log(`layers: ${model.layout.description}`);
  const qconfigWeight = options.qconfig ? getDefaultQConfig(options.qconfig).weight : null;
  const settings = {
    symmetric: qconfigWeight?.symmetric ?? !options.affine,
    perChannel: qconfigWeight?.perChannel ?? !options['per-tensor'],
    mode: options.mode ?? defaultOf('QuantizeOptions', 'mode'),
  };
  if (options['outlier-threshold'] !== undefined) settings.outlierThreshold = Number(options['outlier-threshold']);
  if (options.activations !== undefined) settings.activations = options.activations;
  const exclude = options.exclude ?? [];
  log(`quantizing to int8: ${settings.symmetric ? 'symmetric' : 'affine'}, ` +
    `${settings.perChannel ? 'per-channel' : 'per-tensor'}, ${settings.mode}` +
    (settings.activations ? ` (activations ${settings.activations})` : '') +
    (settings.mode === 'llm-int8' ? ` (outlier threshold ${settings.outlierThreshold ?? defaultOf('QuantizeOptions', 'outlierThreshold')})` : '') +
    (exclude.length ? `, keeping ${exclude.join(', ')} in fp32` : ''));
  const quantized = settings.mode === 'static'
    ? await calibrateAndConvert(model, options, settings, exclude, log)
    : model.quantize(settings, exclude);
  const out = quantized.save();
  await writeFile(options.output, out);
  const report = quantized.report();
  log(`wrote ${options.output}: ${megabytes(out.length)} (${((out.length / bytes.length) * 100).toFixed(1)}% of the input) ` +
    `in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  if (options.report) {
    console.log(table([
      ['layer', 'kind', 'shape', 'dtype', 'scheme', 'mode', 'bytes fp32', 'bytes', 'scales', 'weight SQNR'],
      ...report.layers.map((l) => [
        l.name, l.kind, `${l.outFeatures}x${l.inFeatures}`, l.dtype, l.scheme ?? '', l.mode ?? '',
        l.bytesFp32.toLocaleString('en'), l.bytes.toLocaleString('en'),
        l.scaleMin === null ? '' : `${l.scaleMin.toPrecision(3)}..${l.scaleMax.toPrecision(3)}`, metric(l.weightError),
      ]),
    ]));
    console.log(`total: ${report.bytesFp32.toLocaleString('en')} -> ${report.bytes.toLocaleString('en')} bytes of parameters`);
  }
  quantized.dispose();
  model.dispose();
}

export async function run(file, options, log) {
  await init();
  const model = loadModel(await readFileWithProgress(file, log), await loadOptions(options));
  try {
    log(`layers: ${model.layout.description}`);
    const { batch, values } = await readInput(options.input, model.inFeatures);
    const started = performance.now();
    const y = model.forward(values, batch);
    log(`ran ${file} on ${batch} row(s) in ${(performance.now() - started).toFixed(2)} ms`);
    const n = model.outFeatures;
    const outputs = Array.from({ length: batch }, (_, r) => Array.from(y.subarray(r * n, (r + 1) * n)));
    const argmax = outputs.map((row) => row.indexOf(Math.max(...row)));
    console.log(JSON.stringify({ batch, outputs, argmax }));
  } finally {
    model.dispose();
  }
}
