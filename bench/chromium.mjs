// The benchmark in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core from
// the root package): serves web/ and bench/ from 127.0.0.1 (cross-origin isolated, so
// performance.now() has 5 µs resolution), opens the page and relays its log.
//
//   node bench/chromium.mjs        (bench/run.sh builds the probes and ONNX models first)
// Environment: as node.mjs (BENCH_SIMD: Chromium runs relaxed SIMD, so auto means relaxed where its
// dot is one instruction: lib/loader.js), and CHROMIUM_PATH.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { markdown } from './core.mjs';
import { BUILD, BENCH_SIMD, BENCH_THREADS, machineInfo, optionsFromEnv, resultsName, wasmInfo } from './common-node.mjs';
import { makeOnnxModels } from './make_onnx_models.mjs';
import { launchChromium, startServer } from './chromium_server.mjs';

makeOnnxModels({ log: () => {} });

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>qlinear benchmark</title>
<script src="/bench/node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js"></script>
<script src="/bench/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js"></script>
<script type="module" src="/bench/browser.mjs"></script>
</head><body><p>qlinear benchmark: see the console.</p></body></html>`;

const { server, url } = await startServer(PAGE);
const browser = await launchChromium();
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
