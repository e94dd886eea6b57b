// A tiny app that uses qlinear the way a bundled web app would: the package by name, and the
// .wasm either found by the package itself (init(): the bundler copies both packaged modules,
// which lib/loader.js names with new URL(..., import.meta.url)) or, with ?subpath, through the
// package's .wasm subpath as an asset URL the bundler fingerprints and copies; ?simd128 asks the
// package for its SIMD128 module (what engines without relaxed SIMD get); ?threads for its threaded
// module (its glue and worker script copied by the bundler too, the page served cross-origin isolated).
import { init, getSymmetricQParams, quantizeTensor, loadModel, capabilities } from 'qlinear';
import wasmUrl from 'qlinear/qlinear.wasm?url';
import modelUrl from '../../fixtures/safetensors/sequential_f32.safetensors?url';

const out = document.querySelector('#result');
try {
  const query = new URLSearchParams(location.search);
  // One thread unless ?threads: the page is cross-origin isolated, so the default could be more.
  await init(query.has('subpath') ? { wasmUrl } : query.has('simd128') ? { simd: 'simd128', threads: 1 }
    : query.has('threads') ? { threads: 2 } : { threads: 1 });
  const x = [3.0, -5.5, 0.0, 6.0, -6.0, 2.5];
  const q = Array.from(quantizeTensor(x, getSymmetricQParams(x)));
  const model = loadModel(new Uint8Array(await (await fetch(modelUrl)).arrayBuffer()));
  const y = Array.from(model.quantize().forward(new Float32Array(16).fill(0.5), 1));
  const loaded = performance.getEntriesByType('resource').map((r) => new URL(r.name).pathname).filter((p) => p.endsWith('.wasm'));
  out.textContent = JSON.stringify({ q, y, wasmUrl, loaded, capabilities: capabilities() });
  document.body.dataset.done = 'true';
} catch (e) {
  out.textContent = `error: ${e.message}`;
  document.body.dataset.done = 'error';
}
