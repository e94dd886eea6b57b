// The W8A8 forward modes side by side (issue 7), in Node, 1 thread: dynamic (activation min/max
// measured per row on every call), static (scale fixed by calibration), llm-int8 (symmetric
// per-row activations plus an fp32 product for outlier columns), and weight-only for scale.
//
//   bash scripts/build.sh wasm && node bench/modes.mjs
// Environment: BENCH_ROUNDS (21), BENCH_SAMPLE_MS (20).
//
// Every case is timed round-robin: each round takes one sample of every mode, samples repeat the
// forward until they last BENCH_SAMPLE_MS; the table has medians and ratios to dynamic.
import os from 'node:os';
import * as ql from '../web/package/qlinear.js';
import { WORKLOADS, makeLayers, makeInput } from './workloads.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 20);

await ql.init();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timePerCall(fn) {
  let calls = 0;
  const start = performance.now();
  do { fn(); calls++; } while (performance.now() - start < SAMPLE_MS);
  return (performance.now() - start) / calls;
}

function runCase(title, contestants) {
  for (const c of contestants) timePerCall(c.run); // warm-up
  const samples = contestants.map(() => []);
  for (let round = 0; round < ROUNDS; round++)
    for (let i = 0; i < contestants.length; i++) {
      const k = (i + round) % contestants.length; // rotate who goes first
      samples[k].push(timePerCall(contestants[k].run));
    }
  const medians = samples.map(median);
  const base = medians[contestants.findIndex((c) => c.name === 'dynamic')];
  console.log(`\n${title}`);
  console.log('| mode | median ms per forward | dynamic / mode |');
  console.log('|---|---:|---:|');
  contestants.forEach((c, i) => console.log(`| ${c.name} | ${medians[i].toFixed(4)} | ${(base / medians[i]).toFixed(2)}x |`));
}

function modelsFor(layers, calibration, calibrationRows) {
  const fp32 = new ql.Model(layers);
  const prepared = fp32.prepare();
  prepared.forward(calibration, calibrationRows);
  const models = {
    'weight-only': fp32.quantize({ mode: 'weight-only' }),
    dynamic: fp32.quantize({ mode: 'dynamic' }),
    static: prepared.convert(),
    'llm-int8': fp32.quantize({ mode: 'llm-int8' }),
  };
  prepared.dispose();
  fp32.dispose();
  return models;
}

function benchWorkload(workload, batches) {
  const layers = makeLayers(workload);
  const calibration = makeInput(workload, 64, 1);
  const models = modelsFor(layers, calibration, 64);
  for (const batch of batches) {
    const x = makeInput(workload, batch);
    runCase(`${workload.id} (${workload.title}), batch ${batch}`,
      Object.entries(models).map(([name, m]) => ({ name, run: () => m.forward(x, batch) })));
  }
  for (const m of Object.values(models)) m.dispose();
}

// LLM-shaped: one 1024 -> 1024 projection fed N(0, 1) hidden states, and the same with 6
// feature columns at |x| 20-40 (LLM.int8()'s case: those columns take the fp32 path).
function benchOutliers(batch) {
  const workload = { id: 'P', title: 'one 1024×1024 projection', widths: [1024, 1024] };
  const layers = makeLayers(workload);
  const models = modelsFor(layers, makeInput(workload, 64, 1), 64);
  const x = makeInput(workload, batch);
  const withOutliers = Float32Array.from(x);
  for (const column of [3, 100, 257, 511, 700, 1000])
    for (let b = 0; b < batch; b++) withOutliers[b * 1024 + column] = (b % 2 ? -1 : 1) * (20 + (b % 20));
  runCase(`P (one 1024×1024 projection), batch ${batch}, no outliers`,
    Object.entries(models).map(([name, m]) => ({ name, run: () => m.forward(x, batch) })));
  runCase(`P, batch ${batch}, 6 outlier columns (|x| 20-40)`,
    ['dynamic', 'llm-int8'].map((name) => ({ name, run: () => models[name].forward(withOutliers, batch) })));
  for (const m of Object.values(models)) m.dispose();
}

const caps = ql.capabilities();
console.log(`qlinear ${caps.version}, Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), ` +
  `load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${ROUNDS} rounds of ${SAMPLE_MS} ms samples`);
benchWorkload(WORKLOADS.find((w) => w.id === 'W2'), [1, 16, 128]);
benchWorkload(WORKLOADS.find((w) => w.id === 'W3'), [1, 64]);
benchOutliers(1);
benchOutliers(16);
