// The threads column: compares a runtime's one-thread run (results-<runtime>.json) with its
// N-thread run (results-<runtime>-threads<N>.json, BENCH_THREADS=N), both from the same
// `npm run bench`: qlinear's speed-up, qlinear against ONNX Runtime Web on the same thread
// count, and at batch 1 the fraction of the read-bandwidth bound (the probe of the N-thread run).
// "Output reused" is qlinear W8A8 writing into one array kept across calls (forward's { out }).
//
//   node bench/threads.mjs [node|chromium] [N]      (default: both runtimes, N = 2)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const BUILD = new URL('./build/', import.meta.url);
const runtimes = process.argv[2] ? [process.argv[2]] : ['node', 'chromium'];
const threads = Number(process.argv[3] ?? 2);

const ms = (kase, key) => (kase.contestants[key]?.status === 'ok' ? kase.contestants[key].medianMs : null);
const x = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '–');
const f = (v) => (v == null ? '–' : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const pct = (v) => (v == null ? '–' : `${(v * 100).toFixed(0)}%`);

const out = [];
for (const runtime of runtimes) {
  const oneFile = new URL(`results-${runtime}.json`, BUILD);
  const manyFile = new URL(`results-${runtime}-threads${threads}.json`, BUILD);
  if (!existsSync(oneFile) || !existsSync(manyFile)) {
    console.error(`bench/threads.mjs: ${runtime}: run the benchmark with BENCH_THREADS=1 and ${threads} first`);
    continue;
  }
  const one = JSON.parse(readFileSync(oneFile, 'utf8'));
  const many = JSON.parse(readFileSync(manyFile, 'utf8'));
  const t = `${threads}t`;
  out.push(`### ${runtime === 'node' ? 'Node' : 'Chromium'}: 1 thread against ${threads} (median ms per forward)`, '');
  out.push(`${one.date} and ${many.date}; ${many.info.cpu}, ${many.info.nproc} CPUs; 1 thread: ${one.info.qlinearWasm}; ` +
    `${threads} threads: ${many.info.qlinearWasm}.`, '');
  // What this table is not: with more threads than cores to spare, the two libraries' pools in one
  // process take each other's cores, and the figures swing from run to run (bench/README.md).
  out.push(`qlinear and ONNX Runtime Web ran in one process, each with its own pool of ${threads} threads: where the ` +
    `machine has few cores their idle threads take the cores the other's job needs. threads-alone-${runtime}.md ` +
    '(bench/threads_alone.mjs) has each library alone.', '');
  out.push(`| workload | batch | W8A8 1t | W8A8 ${t} | ${t} ÷ 1t | W8A8 output reused 1t | ${t} | ${t} ÷ 1t | ORT int8 1t | ORT int8 ${t} | ORT int8 ${t} ÷ W8A8 ${t} | ` +
    `W8A32 1t | W8A32 ${t} | ${t} ÷ 1t | ORT fp32 ${t} ÷ W8A32 ${t} | W8A8 ${t}, batch 1: of the bandwidth bound |`);
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const k1 of one.cases) {
    const kn = many.cases.find((k) => k.workload === k1.workload && k.batch === k1.batch);
    if (!kn) continue;
    out.push(`| ${k1.workload} | ${k1.batch} | ${f(ms(k1, 'qlinearW8A8'))} | ${f(ms(kn, 'qlinearW8A8'))} | ` +
      `${x(ms(k1, 'qlinearW8A8'), ms(kn, 'qlinearW8A8'))} | ${f(ms(k1, 'qlinearW8A8Out'))} | ${f(ms(kn, 'qlinearW8A8Out'))} | ` +
      `${x(ms(k1, 'qlinearW8A8Out'), ms(kn, 'qlinearW8A8Out'))} | ${f(ms(k1, 'ortInt8'))} | ${f(ms(kn, 'ortInt8'))} | ` +
      `${x(ms(kn, 'ortInt8'), ms(kn, 'qlinearW8A8'))} | ${f(ms(k1, 'qlinearW8A32'))} | ${f(ms(kn, 'qlinearW8A32'))} | ` +
      `${x(ms(k1, 'qlinearW8A32'), ms(kn, 'qlinearW8A32'))} | ${x(ms(kn, 'ortFp32'), ms(kn, 'qlinearW8A32'))} | ` +
      `${kn.bandwidth ? pct(kn.bandwidth.fractionW8A8) : '–'} |`);
  }
  out.push('');
}
const text = out.join('\n');
console.log(text);
writeFileSync(new URL(`threads-${runtimes.join('-')}-${threads}.md`, BUILD), `${text}\n`);
