// The benchmark in Node: qlinear (web/package/qlinear.js), onnxruntime-web (wasm, 1 thread) and
// TensorFlow.js's wasm backend from bench/node_modules, in this one process.
//
//   node bench/node.mjs            (bench/run.sh builds the probes and ONNX models first)
// Environment: BENCH_ROUNDS (25), BENCH_BUDGET_MS (3000 per contestant and case),
// BENCH_SAMPLE_MS (10), BENCH_ONLY=W1,W4 (a subset of workloads), BENCH_SIMD (init()'s simd option:
// auto, relaxed or simd128; Node 20 has only simd128), BENCH_THREADS (1: qlinear's and ORT's threads).
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as ort from 'onnxruntime-web';
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as ql from '../web/package/qlinear.js';
import { runBenchmark, markdown } from './core.mjs';
import { BUILD, BENCH_SIMD, BENCH_THREADS, machineInfo, readProbes, optionsFromEnv, resultsName, wasmInfo } from './common-node.mjs';
import { makeOnnxModels, ONNX_DIR } from './make_onnx_models.mjs';

makeOnnxModels({ log: () => {} });

await ql.init({ simd: BENCH_SIMD, threads: BENCH_THREADS });
ort.env.wasm.numThreads = BENCH_THREADS;
ort.env.logLevel = 'error';
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // the single-threaded SIMD build
setThreadsCount(1);
await tf.setBackend('wasm');
await tf.ready();

const caps = ql.capabilities();
const info = {
  ...machineInfo(),
  qlinearWasm: wasmInfo(caps.build),
  threads: BENCH_THREADS,
  qlinear: `${caps.version}, simd128 ${caps.build.simd128}, threads ${caps.build.threads}, emscripten ${caps.build.emscripten}`,
  onnxruntimeWeb: `${ort.env.versions.web} (wasm EP, numThreads ${ort.env.wasm.numThreads})`,
  tfjs: `${tf.version_core} wasm backend, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${getThreadsCount()}`,
};

const results = await runBenchmark({
  runtime: 'node',
  ql,
  ort,
  tf,
  onnx: async (id, kind) => new Uint8Array(readFileSync(new URL(`${id}.${kind}.onnx`, ONNX_DIR))),
  probeBytes: readProbes(),
  log: (s) => console.log(s),
  info,
  options: optionsFromEnv(),
});
results.info.loadavgAfter = os.loadavg().map((v) => v.toFixed(2)).join(' ');
results.markdown = markdown(results);
console.log(`\n${results.markdown}`);
writeFileSync(new URL(`${resultsName('node')}.json`, BUILD), JSON.stringify(results, null, 1));
writeFileSync(new URL(`${resultsName('node')}.md`, BUILD), `${results.markdown}\n`);
console.log(`\nwrote bench/build/${resultsName('node')}.json and .md`);
