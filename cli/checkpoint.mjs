// `qlinear quantize IN -o OUT --format F`: a checkpoint of any size quantized as it streams. IN is a
// .safetensors file, a model.safetensors.index.json (its shards beside it) or a folder holding
// either (and its config.json). OUT is a .safetensors file, or a folder that gets model.safetensors
// and a config.json with the format's quantization_config, as from_pretrained() reads it. The
// output is written under a temporary name and renamed when complete: an error or Ctrl-C never
// leaves a partial file under OUT.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync,
  mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { init, memory, Checkpoint, quantizationConfig, outputConfig } from '../web/package/qlinear.js';
import { megabytes } from './format.mjs';

/** A file read at offsets, as Checkpoint.open() takes it. */
export function nodeFile(path, name = basename(path)) {
  const fd = openSync(path, 'r');
  return {
    name,
    size: fstatSync(fd).size,
    fd,
    read(offset, target) {
      for (let done = 0; done < target.length;) {
        const n = readSync(fd, target, done, target.length - done, offset + done);
        if (n === 0) throw new Error(`${path} ends at byte ${offset + done}, before the ${target.length} bytes asked for`);
        done += n;
      }
    },
  };
}

// IN → the files, the index and config.json's text.
function locate(input) {
  const folder = statSync(input).isDirectory() ? input : null;
  const inFolder = (name) => (folder && existsSync(join(folder, name)) ? join(folder, name) : null);
  const indexPath = input.endsWith('.index.json') ? input : inFolder('model.safetensors.index.json');
  const single = folder ? inFolder('model.safetensors') : indexPath ? null : input;
  if (!indexPath && !single) throw new Error(`${input} holds neither model.safetensors nor model.safetensors.index.json`);
  const configPath = join(folder ?? dirname(input), 'config.json');
  const config = existsSync(configPath) ? readFileSync(configPath, 'utf8') : '';
  if (single) return { files: [nodeFile(single)], index: null, config };
  const text = readFileSync(indexPath, 'utf8');
  let shards;
  try {
    shards = [...new Set(Object.values(JSON.parse(text).weight_map ?? {}))];
  } catch (e) {
    throw new Error(`${indexPath}: not valid JSON: ${e.message}`);
  }
  const dir = dirname(indexPath);
  const files = shards.filter((s) => typeof s === 'string' && existsSync(join(dir, s))).map((s) => nodeFile(join(dir, s), s));
  return { files, index: { name: basename(indexPath), text }, config };
}

function progressLine(log, total) {
  const started = performance.now();
  let last = 0;
  return (written, force = false) => {
    const now = performance.now();
    if (!force && now - last < 1000) return;
    last = now;
    const seconds = (now - started) / 1000;
    const rate = written / Math.max(seconds, 1e-3);
    const eta = rate > 0 ? (total - written) / rate : 0;
    log(`${((written / total) * 100).toFixed(0).padStart(3)}%  ${megabytes(written)} of ${megabytes(total)}  ` +
      `${(rate / 1e6).toFixed(1)} MB/s  ${force ? `${seconds.toFixed(1)} s` : `ETA ${eta.toFixed(0)} s`}`);
  };
}

export async function quantizeCheckpoint(input, options, log) {
  await init();
  const toFolder = !options.output.endsWith('.safetensors');
  const target = toFolder ? join(options.output, 'model.safetensors') : options.output;
  // Checked before the work: a folder that can be made, a file whose folder exists.
  if (toFolder) mkdirSync(options.output, { recursive: true });
  else if (!existsSync(dirname(target) || '.')) throw new Error(`cannot write ${target}: ${dirname(target)} does not exist`);
  const { files, index, config: sourceConfig } = locate(input);
  const checkpoint = Checkpoint.open(files, { index });
  const temporary = `${target}.partial-${process.pid}`;
  let fd = null;
  const stop = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
    rmSync(temporary, { force: true });
  };
  const interrupted = () => {
    stop();
    log('qlinear: interrupted; nothing was written');
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    const plan = checkpoint.plan({ config: sourceConfig, exclude: options.exclude ?? [], include: options.include ?? [] });
    const quantized = plan.tensors.filter((t) => t.quantize).length;
    log(`read ${input}: ${checkpoint.tensors.length} tensors in ${files.length} file(s), ${quantized} linear layers to quantize` +
      `${plan.modelType ? ` (${plan.modelType})` : ''}`);
    const format = options.format;
    fd = openSync(temporary, 'w');
    let written = 0;
    const total = files.reduce((sum, f) => sum + f.size, 0);
    const show = progressLine(log, total);
    const bytes = checkpoint.quantize(plan, { format, keepDtype: Boolean(options['keep-dtype']) }, {
      write: (chunk) => {
        for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done, chunk.length - done);
        written += chunk.length;
      },
      onProgress: (p) => show(Math.min(p.bytesWritten / p.bytesTotal, 1) * total),
    });
    closeSync(fd);
    fd = null;
    renameSync(temporary, target);
    show(total, true);
    // The heap grows and never shrinks: what it reserved is the most the work needed.
    log(`wrote ${target}: ${megabytes(bytes)} (${format}), ${((bytes / total) * 100).toFixed(1)}% of the input; ` +
      `peak wasm heap ${(memory().reserved / 2 ** 20).toFixed(1)} MiB`);
    if (toFolder) {
      const config = outputConfig(sourceConfig, plan, { format, keepDtype: Boolean(options['keep-dtype']) });
      const path = join(options.output, 'config.json');
      writeFileAtomically(`${path}.partial-${process.pid}`, path, `${JSON.stringify(config, null, 2)}\n`);
    } else {
      const quantization = quantizationConfig(plan, format);
      if (quantization) console.log(JSON.stringify({ quantization_config: quantization }, null, 2));
    }
  } catch (e) {
    stop();
    throw e;
  } finally {
    process.removeListener('SIGINT', interrupted);
    for (const f of files) closeSync(f.fd);
    checkpoint.dispose();
  }
}

function writeFileAtomically(temporary, path, text) {
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
