// Writes the peers' ONNX models into bench/build/onnx/: for each workload <W>.fp32.onnx
// (MatMul + Add + Relu) and <W>.int8.onnx (the graph onnxruntime's quantize_dynamic emits),
// with the benchmark's deterministic weights. Skips files newer than their generators.
//
//   node bench/make_onnx_models.mjs [--force]
import { mkdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WORKLOADS, makeLayers } from './workloads.mjs';
import { mlpFp32, mlpInt8Dynamic } from './onnx.mjs';

export const ONNX_DIR = new URL('./build/onnx/', import.meta.url);

export function makeOnnxModels({ force = false, log = console.log } = {}) {
  mkdirSync(ONNX_DIR, { recursive: true });
  const sources = ['./onnx.mjs', './workloads.mjs', './make_onnx_models.mjs'].map((s) => statSync(new URL(s, import.meta.url)).mtimeMs);
  const newest = Math.max(...sources);
  for (const w of WORKLOADS) {
    let layers = null;
    for (const [kind, make] of [['fp32', mlpFp32], ['int8', mlpInt8Dynamic]]) {
      const file = new URL(`${w.id}.${kind}.onnx`, ONNX_DIR);
      if (!force && existsSync(file) && statSync(file).mtimeMs > newest) continue;
      layers ??= makeLayers(w);
      const bytes = make(layers);
      writeFileSync(file, bytes);
      log(`wrote ${fileURLToPath(file)} (${(bytes.length / 2 ** 20).toFixed(2)} MiB)`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  makeOnnxModels({ force: process.argv.includes('--force') });
}
