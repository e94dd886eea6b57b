#!/usr/bin/env node
// Turns the relaxed-SIMD build of the module into real relaxed SIMD (bindings/CMakeLists.txt):
//
//   node scripts/relax_wasm.mjs --objdump llvm-objdump [--glue a.mjs --same-as b.mjs] in.wasm out.wasm
//
// Emscripten 3.1.6's clang 14 cannot emit i32x4.relaxed_dot_i8x16_i7x16_add_s, so the kernels
// (packed_wasm.cpp, relaxed_dot_i8x16_i7x16_add) emit the prototype relaxed f32x4.fma in its
// place: both take three v128 operands, give one v128, and encode in three bytes (fd af 01 and
// fd 93 02). This rewrites every f32x4.fma that llvm-objdump finds in the code section, at its
// exact offset (a byte search could hit immediates), then checks the result:
//   - at least one instruction was rewritten and no fd af 01 instruction is left;
//   - V8 validates the module with relaxed SIMD on (node --experimental-wasm-relaxed-simd) and
//     rejects it without (so nothing else changed what the module needs);
//   - with --glue/--same-as: the build's Emscripten glue equals the SIMD128 module's but for the
//     .wasm file name, so that runtime.js can load either .wasm with the one glue.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

function fail(message) {
  console.error(`relax_wasm: ${message}`);
  process.exit(1);
}

const args = process.argv.slice(2);
const options = {};
const files = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i].startsWith('--')) options[args[i].slice(2)] = args[++i];
  else files.push(args[i]);
}
if (files.length !== 2 || !options.objdump) fail('usage: relax_wasm.mjs --objdump PATH [--glue A.mjs --same-as B.mjs] in.wasm out.wasm');
const [input, output] = files;

const PLACEHOLDER = [0xfd, 0xaf, 0x01]; // f32x4.fma (prototype opcode 0xaf, as clang 14 emits it)
const RELAXED_DOT = [0xfd, 0x93, 0x02]; // i32x4.relaxed_dot_i8x16_i7x16_add_s (0x113)

const bytes = readFileSync(input);

// Where the code section's contents start: llvm-objdump prints offsets from there.
function codeSectionStart(buf) {
  const leb = (p) => {
    let value = 0, shift = 0, byte;
    do {
      byte = buf[p++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return [value, p];
  };
  for (let p = 8; p < buf.length;) {
    const id = buf[p];
    const [size, contents] = leb(p + 1);
    if (id === 10) return contents;
    p = contents + size;
  }
  fail(`${input} has no code section`);
}

const code = codeSectionStart(bytes);
const listing = execFileSync(options.objdump, ['-d', input], { maxBuffer: 1 << 30 }).toString();
let rewritten = 0;
for (const match of listing.matchAll(/^\s*([0-9a-f]+):\s+fd af 01\s+f32x4\.fma\s*$/gm)) {
  const at = code + parseInt(match[1], 16);
  if (!PLACEHOLDER.every((b, i) => bytes[at + i] === b))
    fail(`llvm-objdump places an f32x4.fma at ${at}, but the bytes there are not fd af 01`);
  RELAXED_DOT.forEach((b, i) => { bytes[at + i] = b; });
  ++rewritten;
}
if (rewritten === 0) fail(`no f32x4.fma in ${input}: was packed_wasm.cpp built with QLINEAR_WASM_RELAXED_SIMD?`);
writeFileSync(output, bytes);
const failAndRemove = (message) => {
  rmSync(output, { force: true });
  fail(message);
};
const left = execFileSync(options.objdump, ['-d', output], { maxBuffer: 1 << 30 }).toString();
if (/\bf32x4\.fma\b/.test(left)) failAndRemove('an f32x4.fma is left after rewriting');

const validate = (flags) => spawnSync(process.execPath, [...flags, '--input-type=module', '-e',
  'import { readFileSync } from "node:fs"; process.exit(WebAssembly.validate(readFileSync(0)) ? 0 : 3);'], { input: bytes });
if (validate(['--experimental-wasm-relaxed-simd']).status !== 0) failAndRemove('V8 does not validate the rewritten module with relaxed SIMD on');
if (validate([]).status === 0) failAndRemove('the rewritten module validates without relaxed SIMD: it has no relaxed instruction');

if (options.glue) {
  const name = (file) => basename(file, '.mjs') + '.wasm';
  const ours = readFileSync(options.glue, 'utf8').replaceAll(name(options.glue), name(options['same-as']));
  if (ours !== readFileSync(options['same-as'], 'utf8'))
    failAndRemove(`${options.glue} differs from ${options['same-as']} beyond the .wasm name: runtime.js cannot load both .wasm files with one glue`);
}

console.log(`relax_wasm: ${rewritten} relaxed dots, ${output}`);
