// A tiny app that uses qlinear the way a bundled web app would: the package by name, the .wasm
// through its package subpath as an asset URL the bundler fingerprints and copies.
import { init, getSymmetricQParams, quantizeTensor, loadModel, capabilities } from 'qlinear';
import wasmUrl from 'qlinear/qlinear.wasm?url';
import modelUrl from '../../fixtures/safetensors/sequential_f32.safetensors?url';

const out = document.querySelector('#result');
try {
  await init({ wasmUrl });
  const x = [3.0, -5.5, 0.0, 6.0, -6.0, 2.5];
  const q = Array.from(quantizeTensor(x, getSymmetricQParams(x)));
  const model = loadModel(new Uint8Array(await (await fetch(modelUrl)).arrayBuffer()));
  const y = Array.from(model.quantize().forward(new Float32Array(16).fill(0.5), 1));
  out.textContent = JSON.stringify({ q, y, wasmUrl, capabilities: capabilities() });
  document.body.dataset.done = 'true';
} catch (e) {
  out.textContent = `error: ${e.message}`;
  document.body.dataset.done = 'error';
}
