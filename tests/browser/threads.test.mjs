// init({ threads }) in Chromium. On the demo server's cross-origin isolated pages, a module
// Worker loads a threaded module (SIMD128, then relaxed SIMD) with 2 workers of its own and gives
// the same bits as the single-threaded SIMD128 module on the main page; on a page served without the isolation headers,
// threads are refused with the reason, and capabilities() says it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

import { openBrowser, newPage } from './browser.mjs';

let session;

before(async () => {
  session = await openBrowser();
});

after(async () => {
  await session?.close();
});

// Runs where the package is at `packageUrl` (a page or a worker): init(options), then every
// forward mode on shapes big enough to be split across threads; FNV-1a hashes of the outputs.
async function forwardHashes(packageUrl, options) {
  const q = await import(packageUrl);
  await q.init(options);
  let seed = 99;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const values = (n, scale) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
  const hash = (floats) => {
    let h = 0x811c9dc5;
    for (const word of new Uint32Array(floats.buffer, floats.byteOffset, floats.length))
      for (let shift = 0; shift < 32; shift += 8) h = Math.imul(h ^ ((word >>> shift) & 0xff), 0x01000193);
    return (h >>> 0).toString(16);
  };
  const results = {};
  for (const [k, n, batch] of [[1000, 1000, 1], [255, 1000, 5], [1000, 255, 64], [17, 1000, 64]]) {
    const linear = new q.Linear({ inFeatures: k, outFeatures: n, weight: values(k * n, 1 / Math.sqrt(k)), bias: values(n, 0.1) });
    const x = values(batch * k, 2);
    x[3] = 9; // an outlier column for llm-int8
    for (const mode of ['weight-only', 'dynamic', 'llm-int8']) {
      const layer = q.QuantLinear.fromLinear(linear, { mode });
      results[`${mode}, K ${k}, N ${n}, batch ${batch}`] = hash(layer.forward(x, batch));
      layer.dispose();
    }
    linear.dispose();
  }
  const { build, threads, crossOriginIsolated } = q.capabilities();
  return { results, build, threads, crossOriginIsolated };
}

test('a module Worker on a cross-origin isolated page runs 2 threads, with the bits of one', async () => {
  const problems = [];
  const page = await newPage(session.browser, problems);
  await page.goto(session.url);
  const packageUrl = new URL('/package/qlinear.js', session.url).href;
  const single = await page.evaluate(forwardHashes, packageUrl, { simd: 'simd128', threads: 1 });
  // The same function in a module Worker (as the demo runs qlinear), told its package URL: the
  // threaded SIMD128 module, then the threaded relaxed-SIMD one (Chromium runs relaxed SIMD).
  const inWorker = (options) => page.evaluate(async ({ source, packageUrl, options }) => {
    const code = `const forwardHashes = ${source};\n` +
      `forwardHashes(${JSON.stringify(packageUrl)}, ${JSON.stringify(options)}).then((r) => postMessage(r), (e) => postMessage({ error: String(e) }));`;
    const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })), { type: 'module' });
    const result = await new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); });
    worker.terminate();
    return result;
  }, { source: forwardHashes.toString(), packageUrl, options });
  assert.equal(single.crossOriginIsolated, true);
  assert.equal(single.build.threads, false);
  for (const simd of ['simd128', 'relaxed']) {
    const threaded = await inWorker({ threads: 2, simd });
    assert.equal(threaded.error, undefined, threaded.error);
    assert.equal(threaded.build.threads, true);
    assert.equal(threaded.build.threadCount, 2);
    assert.equal(threaded.build.kernels, simd === 'relaxed' ? 'wasm-relaxed-simd' : 'wasm-simd128');
    assert.deepEqual(threaded.threads, { count: 2, possible: true, reason: '2 threads: init({ threads: 2 })' });
    assert.equal(Object.keys(threaded.results).length, 12);
    assert.deepEqual(threaded.results, single.results, `2 threads, ${simd}`);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('without cross-origin isolation, threads are refused with the headers to send', async () => {
  // The package served as a plain static site, without COOP / COEP.
  const serve = sirv(fileURLToPath(new URL('../../web/package', import.meta.url)), { dev: true });
  const server = http.createServer((req, res) => {
    if (req.url === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,">');
    serve(req, res, () => res.writeHead(404).end());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const problems = [];
    const page = await newPage(session.browser, problems);
    const origin = `http://127.0.0.1:${server.address().port}`;
    await page.goto(`${origin}/`);
    const result = await page.evaluate(async (url) => {
      const q = await import(url);
      let refused = null;
      try {
        await q.init({ threads: 2 });
      } catch (e) {
        refused = `${e.name}: ${e.message}`;
      }
      await q.init();
      return { refused, isolated: globalThis.crossOriginIsolated, capabilities: q.capabilities() };
    }, `${origin}/qlinear.js`);
    assert.equal(result.isolated, false);
    assert.match(result.refused, /^QlinearError: init\(\{ threads: 2 \}\): threads are not possible here: the page is not cross-origin isolated/);
    assert.match(result.refused, /Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/);
    assert.equal(result.capabilities.build.threads, false);
    assert.equal(result.capabilities.threads.count, 1);
    assert.equal(result.capabilities.threads.possible, false);
    assert.match(result.capabilities.threads.reason, /^threads off: the page is not cross-origin isolated/);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test("a worker script that cannot be loaded rejects init() with its URL, and a retry works", async () => {
  const problems = [];
  const page = await newPage(session.browser, problems);
  // A page of the server that runs no qlinear of its own (the demo's pages start their workers).
  await page.goto(new URL('/package/qlinear.js', session.url).href);
  await page.route('**/qlinear_wasm_threaded.worker.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
  const first = await page.evaluate(async () => {
    const q = await import('/package/qlinear.js');
    try {
      await q.init({ threads: 2 });
      return 'loaded';
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  });
  assert.match(first, /^QlinearError: init\(\): could not load the threaded module's worker script http:\/\/.*qlinear_wasm_threaded\.worker\.js \(HTTP 404\)$/);
  await page.unroute('**/qlinear_wasm_threaded.worker.js');
  const threads = await page.evaluate(async () => {
    const q = await import('/package/qlinear.js');
    await q.init({ threads: 2 });
    return q.capabilities().build.threadCount;
  });
  assert.equal(threads, 2);
  // The 404s (the script, the favicon) are the only console errors.
  assert.deepEqual(problems.filter((p) => !/404/.test(p)), []);
  await page.close();
});
