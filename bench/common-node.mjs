// Facts about the machine and the builds, for the results (Node side; the Chromium runner adds
// the browser's).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';

import { PACKAGED_MODULES } from '../web/package/dist/manifest.js';

export const BUILD = new URL('./build/', import.meta.url);
// The module a run loaded (capabilities().build), for the table header: its kernels, file, size,
// hash and date. The file is the package's manifest entry for those kernels and threads
// (web/package/lib/loader.js picks one: BENCH_SIMD=auto|relaxed|simd128, threaded for
// BENCH_THREADS > 1).
export function wasmInfo(build) {
  const kernels = build.threads ? `${build.kernels} threaded` : build.kernels;
  const file = PACKAGED_MODULES.find((m) => m.kernels === build.kernels && m.threaded === build.threads)?.wasm;
  if (!file) return `kernels ${kernels}`;
  const wasm = statSync(file);
  const sha = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);
  return `${kernels} kernels, ${file.pathname.slice(file.pathname.indexOf('web/package/'))}, ${wasm.size} bytes, sha256 ${sha}…, modified ${wasm.mtime.toISOString()}`;
}

// init()'s `simd` option for the benchmark's qlinear.
export const BENCH_SIMD = process.env.BENCH_SIMD ?? 'auto';

// Threads for qlinear (init({ threads })) and ONNX Runtime Web (numThreads); TF.js stays on one.
// A run with more than one writes results-<runtime>-threads<N>.*; bench/threads.mjs compares it
// with the one-thread run.
export const BENCH_THREADS = Number(process.env.BENCH_THREADS ?? 1);
export const resultsName = (runtime) => `results-${runtime}${BENCH_THREADS > 1 ? `-threads${BENCH_THREADS}` : ''}`;

export function machineInfo() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))[1];
  } catch {
    // not Linux
  }
  return {
    cpu,
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    loadavg: os.loadavg().map((v) => v.toFixed(2)).join(' '),
    node: process.version,
    v8: process.versions.v8,
  };
}

export function readProbes() {
  return {
    bandwidth: readFileSync(new URL('probes/bandwidth.wasm', BUILD)),
    dot: readFileSync(new URL('probes/dot.wasm', BUILD)),
  };
}

export function optionsFromEnv() {
  const num = (name) => (process.env[name] ? Number(process.env[name]) : undefined);
  const o = {
    rounds: num('BENCH_ROUNDS'),
    budgetMs: num('BENCH_BUDGET_MS'),
    sampleMs: num('BENCH_SAMPLE_MS'),
    only: process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : undefined,
  };
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
