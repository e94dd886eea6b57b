// The streaming quantizer at scale: writes a gpt2-large-shaped checkpoint (36 blocks, n_embd 1280,
// n_positions 1024, vocab 50257; F32, random values, about 3.1 GB) into a temporary folder, then
// times in one run, each as a whole process:
//   - a plain copy of the file on the same disk (cp), the floor for reading and writing it;
//   - `qlinear quantize --format bitsandbytes` and `--format compressed-tensors` (Node, wasm), on the
//     CLI's default threads and with --threads 1;
//   - PyTorch (python3-torch, one thread) computing the same per-row int8 quantization of the same
//     tensors (bench/checkpoint/pytorch_rows.py), when /usr/bin/python3 has torch;
//   - the checkpoint page in headless Chromium (bench/checkpoint/page.mjs), bitsandbytes format,
//     saving to private storage and through the save picker's stream (--no-page skips it).
// Prints wall time, MB/s and peak RSS (GNU time; the browser's PSS), and the peak wasm heap
// beside the bound (the largest quantized tensor in float32 + its int8 + 32 MiB).
//   node bench/checkpoint/run.mjs [--keep] [--runs N] [--no-page]
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { quantizeInPage } from './page.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] || 3);
const keep = args.includes('--keep');
const inPage = !args.includes('--no-page');

const N_EMBD = 1280, N_LAYER = 36, N_POS = 1024, VOCAB = 50257, N_INNER = 4 * N_EMBD;

function tensors() {
  const t = [['transformer.wte.weight', [VOCAB, N_EMBD]], ['transformer.wpe.weight', [N_POS, N_EMBD]]];
  for (let i = 0; i < N_LAYER; i++) {
    const p = `transformer.h.${i}.`;
    t.push([`${p}ln_1.weight`, [N_EMBD]], [`${p}ln_1.bias`, [N_EMBD]], [`${p}attn.c_attn.weight`, [N_EMBD, 3 * N_EMBD]],
      [`${p}attn.c_attn.bias`, [3 * N_EMBD]], [`${p}attn.c_proj.weight`, [N_EMBD, N_EMBD]], [`${p}attn.c_proj.bias`, [N_EMBD]],
      [`${p}ln_2.weight`, [N_EMBD]], [`${p}ln_2.bias`, [N_EMBD]], [`${p}mlp.c_fc.weight`, [N_EMBD, N_INNER]],
      [`${p}mlp.c_fc.bias`, [N_INNER]], [`${p}mlp.c_proj.weight`, [N_INNER, N_EMBD]], [`${p}mlp.c_proj.bias`, [N_EMBD]]);
  }
  t.push(['transformer.ln_f.weight', [N_EMBD]], ['transformer.ln_f.bias', [N_EMBD]]);
  return t;
}

// Writes the checkpoint with the hub's key names (F32, values from a fixed xorshift stream).
function writeCheckpoint(folder) {
  const list = tensors();
  const header = {};
  let offset = 0;
  for (const [name, shape] of list) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const fd = openSync(join(folder, 'model.safetensors'), 'w');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(text.length));
  writeSync(fd, length);
  writeSync(fd, text);
  let s = 0x9e3779b9 >>> 0;
  const chunk = new Float32Array(1 << 22);
  for (const [, shape] of list) {
    let left = shape.reduce((a, b) => a * b, 1);
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      for (let i = 0; i < n; i++) {
        s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
        chunk[i] = ((s / 4294967296) - 0.5) * 0.2;
      }
      writeSync(fd, new Uint8Array(chunk.buffer, 0, 4 * n));
      left -= n;
    }
  }
  closeSync(fd);
  writeSync(openSync(join(folder, 'config.json'), 'w'), JSON.stringify({ model_type: 'gpt2', n_embd: N_EMBD, n_layer: N_LAYER,
    n_positions: N_POS, vocab_size: VOCAB, n_head: 20, architectures: ['GPT2LMHeadModel'] }));
}

// One timed process: wall seconds and peak RSS (KiB) from GNU time, and what it printed.
function timed(command, argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed:\n${r.stderr}`);
  const [wall, rss] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, rss, stderr: r.stderr };
}

const median = (values) => values.slice().sort((a, b) => a - b)[values.length >> 1];

const work = mkdtempSync(join(tmpdir(), 'qlinear-gpt2-large-'));
try {
  const started = performance.now();
  writeCheckpoint(work);
  const size = statSync(join(work, 'model.safetensors')).size;
  console.log(`# gpt2-large-shaped checkpoint: ${(size / 1e9).toFixed(3)} GB F32, written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${cpus()[0].model}, ${cpus().length} CPUs; Node ${process.version}; ${new Date().toISOString()}; ${runs} runs each, interleaved`);
  const largest = N_EMBD * N_INNER;
  const boundMiB = (largest * 4 + largest + 32 * 2 ** 20) / 2 ** 20;
  const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const rows = { copy: [], bnb: [], ct: [], bnb1: [], ct1: [], torch: [], opfs: [], picker: [] };
  let heap = {};
  for (let r = 0; r < runs; r++) {
    rows.copy.push(timed('cp', [join(work, 'model.safetensors'), join(work, 'copy.safetensors')]));
    rmSync(join(work, 'copy.safetensors'));
    // The CLI's default threads (one a core, up to 4), then --threads 1.
    for (const [key, format, threads] of [['bnb', 'bitsandbytes', []], ['ct', 'compressed-tensors', []],
      ['bnb1', 'bitsandbytes', ['--threads', '1']], ['ct1', 'compressed-tensors', ['--threads', '1']]]) {
      const out = join(work, `${key}.safetensors`);
      const t = timed(process.execPath, [join(root, 'bin/qlinear.mjs'), 'quantize', work, '-o', out, '--format', format, ...threads]);
      heap[key] = Number(/peak wasm heap ([\d.]+) MiB/.exec(t.stderr)?.[1] ?? NaN);
      rows[key].push(t);
      rmSync(out);
    }
    if (hasTorch) rows.torch.push(timed('/usr/bin/python3', [join(root, 'bench/checkpoint/pytorch_rows.py'), join(work, 'model.safetensors')]));
    if (inPage)
      for (const t of await quantizeInPage(work)) {
        rows[t.target].push({ wall: t.wall, rss: t.pssMiB * 1024 });
        heap[t.target] = t.heapMiB;
      }
  }
  const line = (name, list) => {
    if (!list.length) return console.log(`| ${name} | not run (no torch for /usr/bin/python3) | | | | |`);
    const wall = median(list.map((t) => t.wall));
    const rss = median(list.map((t) => t.rss)) / 1024;
    const ratio = wall / median(rows.copy.map((t) => t.wall));
    // Every run's wall time too: this disk's speed changes from minute to minute (cp of the same
    // page-cached file has taken from 1 to 5 s within an hour), so one median hides a lot.
    const all = list.map((t) => t.wall.toFixed(2)).join(' / ');
    console.log(`| ${name} | ${wall.toFixed(2)} s | ${all} | ${(size / 1e6 / wall).toFixed(0)} MB/s | ${rss.toFixed(0)} MiB | ${ratio.toFixed(2)}x |`);
  };
  console.log('\n| | median wall | each run (s) | input MB/s | peak RSS | vs copy |\n|---|---:|---|---:|---:|---:|');
  line('plain copy (cp)', rows.copy);
  const cores = Math.min(4, availableParallelism());
  line(`qlinear --format bitsandbytes (${cores} threads)`, rows.bnb);
  line(`qlinear --format compressed-tensors (${cores} threads)`, rows.ct);
  line('qlinear --format bitsandbytes --threads 1', rows.bnb1);
  line('qlinear --format compressed-tensors --threads 1', rows.ct1);
  line('PyTorch 1 thread, per-row int8 (same tensors)', rows.torch);
  if (inPage) {
    line('page, bitsandbytes → private storage (Chromium PSS)', rows.opfs);
    line('page, bitsandbytes → save picker stream (Chromium PSS)', rows.picker);
  }
  if (rows.torch.length)
    console.log(`\nqlinear vs PyTorch: bitsandbytes ${(median(rows.torch.map((t) => t.wall)) / median(rows.bnb.map((t) => t.wall))).toFixed(2)}x, ` +
      `compressed-tensors ${(median(rows.torch.map((t) => t.wall)) / median(rows.ct.map((t) => t.wall))).toFixed(2)}x faster`);
  console.log(`peak wasm heap: bitsandbytes ${heap.bnb} MiB, compressed-tensors ${heap.ct} MiB` +
    `${inPage ? `, page ${heap.opfs} / ${heap.picker} MiB` : ''}; bound ${boundMiB.toFixed(1)} MiB ` +
    `(largest quantized tensor ${largest} values: fp32 + int8 + 32 MiB)`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
