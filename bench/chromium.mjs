// The benchmark in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core from
// the root package): serves web/ and bench/ from 127.0.0.1 (cross-origin isolated, so
// performance.now() has 5 µs resolution), opens the page and relays its log.
//
//   node bench/chromium.mjs        (bench/run.sh builds the probes and ONNX models first)
// Environment: as node.mjs (BENCH_SIMD: Chromium runs relaxed SIMD, so auto means relaxed where its
// dot is one instruction: lib/loader.js), and CHROMIUM_PATH.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { chromium } from 'playwright-core';
import { markdown } from './core.mjs';
import { BUILD, BENCH_SIMD, BENCH_THREADS, machineInfo, optionsFromEnv, resultsName, wasmInfo } from './common-node.mjs';
import { makeOnnxModels } from './make_onnx_models.mjs';

makeOnnxModels({ log: () => {} });

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>qlinear benchmark</title>
<script src="/bench/node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js"></script>
<script src="/bench/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js"></script>
<script type="module" src="/bench/browser.mjs"></script>
</head><body><p>qlinear benchmark: see the console.</p></body></html>`;

function startServer() {
  const options = {
    dev: true,
    setHeaders(res) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    },
  };
  const roots = {
    '/web/': sirv(fileURLToPath(new URL('../web', import.meta.url)), options),
    '/bench/': sirv(fileURLToPath(new URL('.', import.meta.url)), options),
  };
  const server = http.createServer((req, res) => {
    const notFound = () => {
      res.statusCode = 404;
      res.end('not found');
    };
    if (req.url === '/favicon.ico') {
      res.statusCode = 204;
      return res.end();
    }
    const path = req.url.split('?')[0];
    if (path === '/' || path === '/index.html') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      return res.end(PAGE);
    }
    for (const [prefix, serve] of Object.entries(roots)) {
      if (req.url.startsWith(prefix)) {
        req.url = req.url.slice(prefix.length - 1);
        return serve(req, res, notFound);
      }
    }
    return notFound();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

const { server, url } = await startServer();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  // tests/browser/browser.mjs's flags: root user, and no traffic to hosts this network refuses.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  const page = await browser.newPage();
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning' ? console.error(`[page ${m.type()}] ${m.text()}`) : console.log(m.text())));
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`${url}?simd=${BENCH_SIMD}&threads=${BENCH_THREADS}`);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  const state = await page.evaluate(() => [document.body.dataset.ready, document.body.dataset.error]);
  if (state[0] !== 'true') throw new Error(`the benchmark page failed to set up: ${state[1]}`);
  const info = { ...machineInfo(), chromium: `${browser.version()} (${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'}, headless)` };
  delete info.node;
  delete info.v8;
  info.driver = `node ${process.version} + playwright-core`;
  info.qlinearWasm = wasmInfo(await page.evaluate(() => window.qlinearBuild));
  info.threads = BENCH_THREADS;
  const results = await page.evaluate((args) => window.runBench(args), { options: optionsFromEnv(), info });
  results.info.loadavgAfter = os.loadavg().map((v) => v.toFixed(2)).join(' ');
  results.markdown = markdown(results);
  console.log(`\n${results.markdown}`);
  writeFileSync(new URL(`${resultsName('chromium')}.json`, BUILD), JSON.stringify(results, null, 1));
  writeFileSync(new URL(`${resultsName('chromium')}.md`, BUILD), `${results.markdown}\n`);
  console.log(`\nwrote bench/build/${resultsName('chromium')}.json and .md`);
} catch (e) {
  failed = true;
  console.error(e.stack ?? String(e));
} finally {
  await browser.close();
  await new Promise((resolve) => server.close(resolve));
}
process.exit(failed ? 1 : 0);
