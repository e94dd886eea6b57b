// qlinear and ONNX Runtime Web each alone, on 1 and on N threads, in Node or in Chromium. In
// `npm run bench` the two run in one process, each with its own thread pool, and on a 2-core
// machine one pool's spinning threads take the cores the other's job needs (which run suffers
// depends on the order; bench/README.md, "Threads"). Here every (library, thread count) runs in a
// process of its own (Node) or a fresh browser context's module Worker (Chromium, as the demo runs
// qlinear: a page's main thread would spin while it waits for the workers), the runs alternate
// (qlinear 1, N, ORT 1, N, qlinear 1, ...), and each reports the median of its samples
// (threads_measure.mjs); the table gives the median over runs, the speed-ups and the ratios
// between the two libraries on the same thread count.
//
//   node bench/threads_alone.mjs [N = 2] [runs per count = 3] [node | chromium]
// (bench/run.sh writes the ONNX models to bench/build/onnx/ first: node bench/make_onnx_models.mjs.)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

import { SAMPLES, SAMPLE_MS, measureThreads, measureOrt } from './threads_measure.mjs';

const LIBRARIES = ['qlinear', 'ort'];
const ONNX_DIR = new URL('./build/onnx/', import.meta.url);

async function child(library, threads) {
  let result;
  if (library === 'qlinear') {
    const ql = await import('../web/package/qlinear.js');
    await ql.init({ threads });
    result = measureThreads(ql);
  } else {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    ort.env.logLevel = 'error';
    result = await measureOrt(ort, async (id, kind) => new Uint8Array(readFileSync(new URL(`${id}.${kind}.onnx`, ONNX_DIR))));
  }
  process.stdout.write(JSON.stringify(result));
}

// A run that has not answered by then is stuck (a pool keeping the child alive, a thread that
// died): the benchmark stops with an error rather than hang. A run takes 15-30 s here.
const RUN_TIMEOUT_MS = 10 * 60 * 1000;

function inNode(library, threads) {
  return JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', library, String(threads)],
    { encoding: 'utf8', maxBuffer: 1 << 24, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL' }));
}

// Chromium: one browser, a new context (its own renderer) per run; the page starts a module Worker
// that loads the library, sets its thread count, and posts the measurement.
async function chromiumRunner() {
  const { launchChromium, startServer } = await import('./chromium_server.mjs');
  const { server, url } = await startServer('<!doctype html><meta charset="utf-8"><title>threads alone</title>');
  const browser = await launchChromium();
  const run = async (library, threads) => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(url);
      const result = await page.evaluate(async ({ library, threads, timeoutMs }) => {
        // (A blob: script resolves no relative URL: the imports name the origin.)
        const o = location.origin;
        const measure = library === 'qlinear' ? `
            const ql = await import('${o}/web/package/qlinear.js');
            await ql.init({ threads: ${threads} });
            postMessage(measureThreads(ql));` : `
            const ort = await import('${o}/bench/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs');
            ort.env.wasm.wasmPaths = '${o}/bench/node_modules/onnxruntime-web/dist/';
            ort.env.wasm.numThreads = ${threads};
            ort.env.wasm.proxy = false;
            ort.env.logLevel = 'error';
            const onnx = async (id, kind) => new Uint8Array(await (await fetch('${o}/bench/build/onnx/' + id + '.' + kind + '.onnx')).arrayBuffer());
            postMessage(await measureOrt(ort, onnx));`;
        const code = `
          import { measureThreads, measureOrt } from '${o}/bench/threads_measure.mjs';
          try {${measure}
          } catch (e) {
            postMessage({ error: String(e?.stack ?? e) });
          }`;
        const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })), { type: 'module' });
        const answer = await new Promise((resolve) => {
          worker.onmessage = (e) => resolve(e.data);
          worker.onerror = (e) => resolve({ error: e.message || 'the Worker failed to load its module (see the browser log)' });
          setTimeout(() => resolve({ error: `no answer from the Worker in ${timeoutMs / 1000} s` }), timeoutMs);
        });
        worker.terminate();
        return answer;
      }, { library, threads, timeoutMs: RUN_TIMEOUT_MS });
      if (result.error) throw new Error(`Chromium, ${library} on ${threads} thread(s): ${result.error}`);
      return result;
    } finally {
      await context.close();
    }
  };
  return {
    run,
    name: `Chromium ${browser.version()} (headless, module Worker)`,
    close: async () => {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function parent(many, count, runtime) {
  const runner = runtime === 'chromium' ? await chromiumRunner() : { run: inNode, name: `Node ${process.version}`, close: () => {} };
  const runs = Object.fromEntries(LIBRARIES.map((l) => [l, { 1: [], [many]: [] }]));
  try {
    for (let r = 0; r < count; r++)
      for (const library of LIBRARIES)
        for (const threads of [1, many]) {
          const result = await runner.run(library, threads);
          // (ORT reports the numThreads it was given; qlinear the count its pool runs.)
          if (result.threads !== threads) throw new Error(`${library}: asked for ${threads} threads, ran ${result.threads}`);
          runs[library][threads].push(result);
        }
  } finally {
    await runner.close();
  }
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  // The row of one workload and batch in a run (each library lists them in WORKLOADS' order, but
  // the rows are matched by name, not position).
  const rowOf = (run, workload, batch) => {
    const row = run.rows.find((r) => r.workload === workload && r.batch === batch);
    if (!row) throw new Error(`threads_alone: no ${workload} batch ${batch} row in a run`);
    return row;
  };
  const at = (library, threads, row, name) => median(runs[library][threads].map((r) => rowOf(r, row.workload, row.batch).ms[name]));
  const f = (v) => (v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
  const x = (v) => `${v.toFixed(2)}×`;
  const columns = [['qlinear', 'W8A8'], ['qlinear', 'W8A8, output reused'], ['qlinear', 'W8A32'], ['ort', 'ORT int8'], ['ort', 'ORT fp32']];
  console.log(`qlinear and ONNX Runtime Web each alone, ${runner.name}, ${os.cpus()[0].model}, ${os.cpus().length} CPUs, ` +
    `${new Date().toISOString()}; median ms per forward over ${count} ${runtime === 'chromium' ? 'browser contexts' : 'processes'} ` +
    `per library and thread count (each the median of ${SAMPLES} samples of ${SAMPLE_MS} ms)\n`);
  console.log(`| workload | batch | ${columns.map(([, n]) => `${n} 1t | ${many}t | ÷`).join(' | ')} | ORT int8 ÷ W8A8 reused, 1t | ${many}t | ORT fp32 ÷ W8A32, 1t | ${many}t |`);
  console.log(`|---|---:|${columns.map(() => '---:|---:|---:').join('|')}|---:|---:|---:|---:|`);
  for (const row of runs.qlinear[1][0].rows) {
    const cells = columns.map(([library, name]) => {
      const one = at(library, 1, row, name), more = at(library, many, row, name);
      return `${f(one)} | ${f(more)} | ${x(one / more)}`;
    });
    const ratio = (t, ortName, qlName) => x(at('ort', t, row, ortName) / at('qlinear', t, row, qlName));
    console.log(`| ${row.workload} | ${row.batch} | ${cells.join(' | ')} | ${ratio(1, 'ORT int8', 'W8A8, output reused')} | ` +
      `${ratio(many, 'ORT int8', 'W8A8, output reused')} | ${ratio(1, 'ORT fp32', 'W8A32')} | ${ratio(many, 'ORT fp32', 'W8A32')} |`);
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], Number(process.argv[4]));
else {
  const runtime = process.argv[4] ?? 'node';
  if (!['node', 'chromium'].includes(runtime)) throw new Error(`threads_alone: runtime '${runtime}' is not node or chromium`);
  await parent(Number(process.argv[2] ?? 2), Number(process.argv[3] ?? 3), runtime);
}
