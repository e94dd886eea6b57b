// HistogramObserver: observe + calculate_qparams on 1 M float32 values, qlinear (Node, the wasm
// module) beside PyTorch 1.13 (python3-torch, one thread) on the same values, medians of --runs.
// Two sequences: one call (a fresh observer, the first-histogram path) and two calls where the
// second widens the range (the merge path), then calculate_qparams.
//   node bench/observers/histogram.mjs [--runs 7]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { init, HistogramObserver } from '../../web/package/qlinear.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] || 7);
const N = 1 << 20;

// Normal values from a fixed xorshift stream (Box-Muller), and a second tensor 3x wider.
function normals(seed, scale) {
  const out = new Float32Array(N);
  let s = seed >>> 0;
  const uniform = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 1) / 4294967297; };
  for (let i = 0; i < N; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform())), t = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(t) * scale;
    if (i + 1 < N) out[i + 1] = r * Math.sin(t) * scale;
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await init();
const first = normals(0x9e3779b9, 1), second = normals(0x85ebca6b, 3);
const timeQlinear = (tensors) => {
  const times = [];
  let qparams;
  for (let r = 0; r < runs + 1; r++) {
    const t0 = performance.now();
    const observer = new HistogramObserver();
    for (const x of tensors) observer.forward(x);
    qparams = observer.calculateQParams();
    const t = performance.now() - t0;
    observer.dispose();
    if (r > 0) times.push(t);  // the first run warms the module up
  }
  return { ms: median(times), scale: qparams.scale[0], zeroPoint: qparams.zeroPoint[0] };
};

const work = mkdtempSync(join(tmpdir(), 'qlinear-histogram-'));
try {
  writeFileSync(join(work, 'first.f32'), first);
  writeFileSync(join(work, 'second.f32'), second);
  const script = fileURLToPath(new URL('./histogram_pytorch.py', import.meta.url));
  const py = spawnSync('/usr/bin/python3', [script, work, String(runs)], { encoding: 'utf8' });
  const pytorch = py.status === 0 ? JSON.parse(py.stdout) : null;
  if (!pytorch) console.log(`PyTorch not measured: ${py.stderr?.trim().split('\n').pop() ?? py.error}`);
  console.log(`# HistogramObserver, 1 M float32 values; ${cpus()[0].model.trim()}, ${cpus().length} CPUs; Node ${process.version}; ` +
    `${new Date().toISOString()}; medians of ${runs}`);
  console.log('| | qlinear (wasm, Node) | PyTorch 1.13, 1 thread | qlinear speed vs PyTorch | same scale and zero point |');
  console.log('|---|---:|---:|---:|---|');
  for (const [name, tensors, key] of [['one call', [first], 'one'], ['two calls, the range grows', [first, second], 'two']]) {
    const q = timeQlinear(tensors);
    const p = pytorch?.[key];
    const same = p ? (Math.fround(p.scale) === q.scale && p.zero_point === q.zeroPoint ? 'yes' : `no: ${p.scale}/${p.zero_point}`) : '—';
    console.log(`| ${name} | ${q.ms.toFixed(2)} ms | ${p ? `${p.ms.toFixed(2)} ms` : '—'} | ${p ? `${(p.ms / q.ms).toFixed(2)}x` : '—'} | ${same} |`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
