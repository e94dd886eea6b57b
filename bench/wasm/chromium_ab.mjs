// Two builds of qlinear's wasm module side by side in one headless Chromium page: the same
// layers quantized in each, forwards timed round-robin, medians and the ratio. The tool for
// changes to the relaxed-SIMD kernels, which Node 20 cannot run (bench/wasm/run.sh is its Node
// counterpart, for the SIMD128 kernels alone).
//
//   node bench/wasm/chromium_ab.mjs [A.wasm] [B.wasm]
//
// Defaults: A = web/package/dist/qlinear_wasm.wasm (SIMD128), B = web/package/dist/qlinear_wasm_relaxed.wasm. To
// compare two versions of one build, copy the .wasm of the first aside before rebuilding. Both
// must come from builds with the same glue (web/package/dist/qlinear_wasm.mjs, checked by
// scripts/relax_wasm.mjs). Environment: AB_ROUNDS (15), AB_SAMPLE_MS (20), AB_MODE (dynamic),
// AB_ACTIVATIONS (per-row, or pytorch: 7-bit), AB_ONLY (a comma-separated subset of the case names
// below), CHROMIUM_PATH.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { chromium } from 'playwright-core';

const root = new URL('../../', import.meta.url);
const [fileA = 'web/package/dist/qlinear_wasm.wasm', fileB = 'web/package/dist/qlinear_wasm_relaxed.wasm'] = process.argv.slice(2);
const read = (file) => readFileSync(new URL(file, `file://${process.cwd()}/`));

// Layers and layer chains of bench/README.md's workloads: [name, [in, hidden..., out], batch]. A
// chain runs its layers one after the other (no activation between them), so that the weights
// come from where they would in a whole forward.
const CASES = [
  ['W1 4096x4096 b1', [4096, 4096], 1],
  ['W2a 1024->4096 b1', [1024, 4096], 1],
  ['W2b 4096->1024 b1', [4096, 1024], 1],
  ['W3a 784->1024 b1', [784, 1024], 1],
  ['W3b 1024->1024 b1', [1024, 1024], 1],
  ['W4 128->256 b1', [128, 256], 1],
  ['W2a b2', [1024, 4096], 2],
  ['W2a b4', [1024, 4096], 4],
  ['W2a b16', [1024, 4096], 16],
  ['W2b b16', [4096, 1024], 16],
  ['W2 chain b1', [1024, 4096, 1024], 1],
  ['W2 chain b16', [1024, 4096, 1024], 16],
  ['W2a b128', [1024, 4096], 128],
  ['W3b b64', [1024, 1024], 64],
].filter(([name]) => !process.env.AB_ONLY || process.env.AB_ONLY.split(',').includes(name));

const PAGE = `<!doctype html><meta charset="utf-8"><title>qlinear A/B</title>
<script type="module">
import createQlinearModule from '/web/package/dist/qlinear_wasm.mjs';
window.runAB = async ({ a, b, cases, rounds, sampleMs, mode, activations }) => {
  const bytes = async (name) => new Uint8Array(await (await fetch('/ab/' + name)).arrayBuffer());
  const modules = [await createQlinearModule({ wasmBinary: await bytes(a) }), await createQlinearModule({ wasmBinary: await bytes(b) })];
  const unwrap = (r) => { if (r instanceof Error) throw r; return r; };
  let seed = 1;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const options = { symmetric: true, perChannel: true, dtype: 'qint8', reduceRange: false, range: 'full', mode,
    activations, outlierThreshold: 6 };
  const rows = [];
  for (const [name, dims, batch] of cases) {
    // chains[v]: module v's layers, the same weights in both.
    const chains = [[], []];
    let macs = 0;
    for (let l = 0; l + 1 < dims.length; ++l) {
      const [k, n] = [dims[l], dims[l + 1]];
      macs += k * n * batch;
      const w = Float32Array.from({ length: k * n }, () => random() / Math.sqrt(k));
      const bias = Float32Array.from({ length: n }, () => random() * 0.1);
      modules.forEach((m, v) => {
        const linear = unwrap(m._makeLinear(k, n, w, bias));
        chains[v].push(unwrap(m._quantLinearFromLinear(linear, options, null)));
        linear.delete();
      });
    }
    const x = Float32Array.from({ length: dims[0] * batch }, () => random());
    // As web/package/lib/heap.js: each module's heap buffer holds a layer's input and output, and
    // _forwardInto takes numbers only; a chain passes each output on as the next input.
    const widest = Math.max(...dims) * batch;
    const io = modules.map((m) => m._ioBuffer(2 * widest) / 4);
    const forward = (v) => {
      const m = modules[v], at = io[v], out = at + widest;
      m.HEAPF32.set(x, at);
      let length = x.length;
      chains[v].forEach((q, l) => {
        const outLength = dims[l + 1] * batch;
        if (q._forwardInto(4 * at, length, batch, 4 * out, outLength) !== 0) throw new Error(m._takeError());
        m.HEAPF32.copyWithin(at, out, out + outLength);
        length = outLength;
      });
      return m.HEAPF32.slice(at, at + length);
    };
    const outs = [forward(0), forward(1)];
    const same = outs[0].every((v, i) => Object.is(v, outs[1][i]));
    // Calibrate: calls per sample so that a sample lasts about sampleMs.
    const reps = chains.map((chain, v) => {
      let count = 1;
      for (;;) {
        const t = performance.now();
        for (let i = 0; i < count; ++i) forward(v);
        const ms = performance.now() - t;
        if (ms >= sampleMs / 4) return Math.max(1, Math.round(count * sampleMs / ms));
        count *= 2;
      }
    });
    const samples = [[], []];
    for (let r = 0; r < rounds; ++r) {
      for (const v of r % 2 ? [1, 0] : [0, 1]) {
        const t = performance.now();
        for (let i = 0; i < reps[v]; ++i) forward(v);
        samples[v].push((performance.now() - t) / reps[v]);
      }
    }
    const median = (s) => { const t = [...s].sort((p, q) => p - q); return t[t.length >> 1]; };
    const [ma, mb] = samples.map(median);
    rows.push({ name, a: ma, b: mb, same, gmacA: macs / ma / 1e6, gmacB: macs / mb / 1e6 });
    chains.flat().forEach((q) => q.delete());
  }
  return rows;
};
document.body.dataset.ready = 'true';
</script>`;

const serveRoot = sirv(fileURLToPath(root), { dev: true });
const files = { a: read(fileA), b: read(fileB) };
const server = http.createServer((req, res) => {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin'); // 5 µs performance.now()
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  if (req.url === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
  const ab = /^\/ab\/(a|b)$/.exec(req.url);
  if (ab) return res.writeHead(200, { 'Content-Type': 'application/wasm' }).end(files[ab[1]]);
  return serveRoot(req, res, () => res.writeHead(404).end());
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForSelector('body[data-ready]', { state: 'attached' });
  const rows = await page.evaluate((args) => window.runAB(args), {
    a: 'a', b: 'b', cases: CASES, rounds: Number(process.env.AB_ROUNDS ?? 15),
    sampleMs: Number(process.env.AB_SAMPLE_MS ?? 20), mode: process.env.AB_MODE ?? 'dynamic',
    activations: process.env.AB_ACTIVATIONS ?? 'per-row',
  });
  console.log(`Chromium ${browser.version()}; A = ${fileA}, B = ${fileB}; QuantLinear._forwardInto, mode ${process.env.AB_MODE ?? 'dynamic'}, activations ${process.env.AB_ACTIVATIONS ?? 'per-row'}; median of round-robin samples`);
  console.log('| case | A µs | B µs | A ÷ B | A GMAC/s | B GMAC/s | same output bits |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const r of rows)
    console.log(`| ${r.name} | ${(r.a * 1000).toFixed(1)} | ${(r.b * 1000).toFixed(1)} | ${(r.a / r.b).toFixed(2)}× | ${r.gmacA.toFixed(1)} | ${r.gmacB.toFixed(1)} | ${r.same ? 'yes' : 'NO'} |`);
  if (rows.some((r) => !r.same)) process.exitCode = 1;
} finally {
  await browser.close();
  server.close();
}
