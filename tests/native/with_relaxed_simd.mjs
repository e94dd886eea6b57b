// Runs a wasm test binary with relaxed SIMD on and V8's optimizing compiler only:
//   node tests/native/with_relaxed_simd.mjs qlinear_tests_relaxed.js [args...]
// Node 21+ has relaxed SIMD on by default (and no longer knows the flag); Node 20 needs
// --experimental-wasm-relaxed-simd. --no-liftoff: Node 20's baseline compiler computes the relaxed
// dot wrong (web/package/lib/loader.js); its optimizing compiler computes it right.
import { spawnSync } from 'node:child_process';
import { RELAXED_DOT_PROBE } from '../../web/package/lib/loader.js';

const flags = WebAssembly.validate(RELAXED_DOT_PROBE) ? [] : ['--experimental-wasm-relaxed-simd'];
const { status, signal } = spawnSync(process.execPath, [...flags, '--no-liftoff', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(signal ? 1 : status);
