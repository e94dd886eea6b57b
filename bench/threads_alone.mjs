// qlinear alone on 1 and on N threads, in Node or in Chromium: no other runtime in the process. In
// `npm run bench` qlinear and ONNX Runtime Web run in one process, each with its own thread pool,
// and on a 2-core machine one pool's spinning threads take the cores the other's job needs (which
// run suffers depends on the order; bench/README.md, "Threads"). Here each thread count runs in a
// process of its own (Node) or a fresh browser context's module Worker (Chromium, as the demo runs
// qlinear: a page's main thread would spin while it waits for the workers), the runs alternate
// (1, N, 1, N, ...), and each reports the median of its samples (threads_measure.mjs); the table
// gives the median over runs and the speed-up.
//
//   node bench/threads_alone.mjs [N = 2] [runs per count = 3] [node | chromium]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

import { SAMPLES, SAMPLE_MS, measureThreads } from './threads_measure.mjs';

async function child(threads) {
  const ql = await import('../web/package/qlinear.js');
  await ql.init({ threads });
  process.stdout.write(JSON.stringify(measureThreads(ql)));
}

function inNode(threads) {
  return JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(threads)], { encoding: 'utf8' }));
}

// Chromium: one browser, a new context (its own renderer) per run; the page starts a module Worker
// that loads the package, init({ threads }), and posts measureThreads()'s result.
async function chromiumRunner() {
  const { launchChromium, startServer } = await import('./chromium_server.mjs');
  const { server, url } = await startServer('<!doctype html><meta charset="utf-8"><title>qlinear threads</title>');
  const browser = await launchChromium();
  const run = async (threads) => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(url);
      const result = await page.evaluate(async (threads) => {
        // (A blob: script resolves no relative URL: the imports name the origin.)
        const code = `
          import * as ql from '${location.origin}/web/package/qlinear.js';
          import { measureThreads } from '${location.origin}/bench/threads_measure.mjs';
          try {
            await ql.init({ threads: ${threads} });
            postMessage(measureThreads(ql));
          } catch (e) {
            postMessage({ error: String(e?.stack ?? e) });
          }`;
        const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })), { type: 'module' });
        const answer = await new Promise((resolve) => {
          worker.onmessage = (e) => resolve(e.data);
          worker.onerror = (e) => resolve({ error: e.message || 'the Worker failed to load its module (see the browser log)' });
        });
        worker.terminate();
        return answer;
      }, threads);
      if (result.error) throw new Error(`Chromium, ${threads} thread(s): ${result.error}`);
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
  const runs = { 1: [], [many]: [] };
  try {
    for (let r = 0; r < count; r++)
      for (const threads of [1, many]) {
        const result = await runner.run(threads);
        if (result.threads !== threads) throw new Error(`asked for ${threads} threads, ran ${result.threads}`);
        runs[threads].push(result);
      }
  } finally {
    await runner.close();
  }
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const at = (threads, i, name) => median(runs[threads].map((r) => r.rows[i].ms[name]));
  const f = (v) => (v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
  const names = ['W8A8', 'W8A8, output reused', 'W8A32'];
  console.log(`qlinear alone, ${runner.name}, ${os.cpus()[0].model}, ${os.cpus().length} CPUs, ${new Date().toISOString()}; ` +
    `median ms per forward over ${count} ${runtime === 'chromium' ? 'browser contexts' : 'processes'} per thread count ` +
    `(each the median of ${SAMPLES} samples of ${SAMPLE_MS} ms)\n`);
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
else {
  const runtime = process.argv[4] ?? 'node';
  if (!['node', 'chromium'].includes(runtime)) throw new Error(`threads_alone: runtime '${runtime}' is not node or chromium`);
  await parent(Number(process.argv[2] ?? 2), Number(process.argv[3] ?? 3), runtime);
}
