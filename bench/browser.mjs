// The benchmark page's module (served by chromium.mjs): loads qlinear from /web/, onnxruntime-web
// and TensorFlow.js (its UMD scripts, loaded by the page before this module) from
// /bench/node_modules/, and exposes window.runBench(options) for the driver.
import * as ql from '/web/package/qlinear.js';
import * as ort from '/bench/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs';
import { runBenchmark } from './core.mjs';

const tf = globalThis.tf;
const bytes = async (url) => {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
};

async function setUp() {
  const query = new URLSearchParams(location.search);
  const threads = Number(query.get('threads') ?? 1);
  await ql.init({ simd: query.get('simd') ?? 'auto', threads });
  window.qlinearBuild = ql.capabilities().build;
  ort.env.wasm.wasmPaths = '/bench/node_modules/onnxruntime-web/dist/';
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // the single-threaded SIMD build
  tf.wasm.setWasmPaths('/bench/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  tf.wasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js: the wasm backend did not initialise');
  await tf.ready();
}

window.runBench = async ({ options, info }) => {
  const caps = ql.capabilities();
  return runBenchmark({
    runtime: 'chromium',
    ql,
    ort,
    tf,
    onnx: (id, kind) => bytes(`/bench/build/onnx/${id}.${kind}.onnx`),
    probeBytes: { bandwidth: await bytes('/bench/build/probes/bandwidth.wasm'), dot: await bytes('/bench/build/probes/dot.wasm') },
    log: (s) => console.log(s),
    info: {
      ...info,
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated: globalThis.crossOriginIsolated,
      qlinear: `${caps.version}, simd128 ${caps.build.simd128}, threads ${caps.build.threads}, emscripten ${caps.build.emscripten}`,
      onnxruntimeWeb: `${ort.env.versions.web} (wasm EP, numThreads ${ort.env.wasm.numThreads})`,
      tfjs: `${tf.version_core} wasm backend, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${tf.wasm.getThreadsCount()}`,
    },
    options,
  });
};

setUp().then(
  () => { document.body.dataset.ready = 'true'; },
  (e) => { document.body.dataset.ready = 'error'; document.body.dataset.error = e.stack ?? String(e); },
);
