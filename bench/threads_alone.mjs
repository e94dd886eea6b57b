// qlinear alone on 1 and on N threads, in Node: no other runtime in the process. In `npm run
// bench` qlinear and ONNX Runtime Web run in one process, each with its own thread pool, and on a
// 2-core machine one pool's spinning threads take the cores the other's job needs (which run
// suffers depends on the order; bench/README.md, "Threads"). Here each thread count runs in a
// process of its own, the processes alternate (1, N, 1, N, ...), and each reports the median of
// its samples; the table gives the median over processes and the speed-up.
//
//   node bench/threads_alone.mjs [N = 2] [processes per count = 3]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

import { WORKLOADS, makeLayers, macsOf } from './workloads.mjs';

const SAMPLES = 15;
const SAMPLE_MS = 40;

async function child(threads) {
  const ql = await import('../web/package/qlinear.js');
  await ql.init({ threads });
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const rows = [];
  for (const w of WORKLOADS) {
    const layers = makeLayers(w);
    const fp32 = new ql.Model(layers.map((l) => ({
      name: l.name, inFeatures: l.inFeatures, outFeatures: l.outFeatures, weight: l.weight, bias: l.bias, activation: l.activation,
    })));
    const models = {
      W8A8: fp32.quantize({ symmetric: true, perChannel: true, mode: 'dynamic' }),
      W8A32: fp32.quantize({ symmetric: true, perChannel: true, mode: 'weight-only' }),
    };
    fp32.dispose();
    for (const batch of w.batches) {
      const x = new Float32Array(w.widths[0] * batch).map((_, i) => Math.sin(0.37 * i));
      const out = new Float32Array(w.widths.at(-1) * batch);
      const runs = {
        W8A8: () => models.W8A8.forward(x, batch),
        'W8A8, output reused': () => models.W8A8.forward(x, batch, { out }),
        W8A32: () => models.W8A32.forward(x, batch),
      };
      const samples = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
      for (const run of Object.values(runs)) for (let i = 0; i < 3; i++) run();  // warm
      for (let s = 0; s < SAMPLES; s++) {
        for (const [name, run] of Object.entries(runs)) {
          const t0 = performance.now();
          let calls = 0;
          do {
            run();
            calls++;
          } while (performance.now() - t0 < SAMPLE_MS);
          samples[name].push((performance.now() - t0) / calls);
        }
      }
      rows.push({ workload: w.id, batch, macs: macsOf(w, batch), ms: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) });
    }
    for (const m of Object.values(models)) m.dispose();
  }
  process.stdout.write(JSON.stringify({ threads: ql.capabilities().threads.count, rows }));
}

function parent(many, processes) {
  const script = fileURLToPath(import.meta.url);
  const runs = { 1: [], [many]: [] };
  for (let p = 0; p < processes; p++)
    for (const threads of [1, many]) runs[threads].push(JSON.parse(execFileSync(process.execPath, [script, '--child', String(threads)], { encoding: 'utf8' })));
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const at = (threads, i, name) => median(runs[threads].map((r) => r.rows[i].ms[name]));
  const f = (v) => (v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
  const names = ['W8A8', 'W8A8, output reused', 'W8A32'];
  console.log(`qlinear alone, Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} CPUs, ${new Date().toISOString()}; ` +
    `median ms per forward over ${processes} processes per thread count (each the median of ${SAMPLES} samples of ${SAMPLE_MS} ms)\n`);
  console.log(`| workload | batch | ${names.map((n) => `${n} 1t | ${many}t | ÷`).join(' | ')} |`);
  console.log(`|---|---:|${names.map(() => '---:|---:|---:').join('|')}|`);
  runs[1][0].rows.forEach((row, i) => {
    const cells = names.map((n) => {
      const one = at(1, i, n), more = at(many, i, n);
      return `${f(one)} | ${f(more)} | ${(one / more).toFixed(2)}×`;
    });
    console.log(`| ${row.workload} | ${row.batch} | ${cells.join(' | ')} |`);
  });
}

if (process.argv[2] === '--child') await child(Number(process.argv[3]));
else parent(Number(process.argv[2] ?? 2), Number(process.argv[3] ?? 3));
