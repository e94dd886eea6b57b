#!/usr/bin/env node
// Turns the relaxed-SIMD build of a module into real relaxed SIMD (bindings/CMakeLists.txt,
// tests/native/CMakeLists.txt):
//
//   node scripts/relax_wasm.mjs --objdump llvm-objdump-14 [--object kernels.o]
//        [--glue a.mjs (--same-as b.mjs | --glue-out out.mjs [--worker-same-as b.worker.js])]
//        in.wasm out.wasm
//
// Emscripten 3.1.6's clang 14 cannot emit i32x4.relaxed_dot_i8x16_i7x16_add_s, so the kernels
// (w8a8_relaxed_dot_wasm.cpp, relaxed_dot_i8x16_i7x16_add) emit the prototype relaxed f64x2.fms in its
// place: both take three v128 operands, give one v128, and encode in three bytes (fd d0 01 and
// fd 93 02). This rewrites every f64x2.fms that llvm-objdump finds in the code section, at its
// exact offset (a byte search could hit immediates), then checks the result:
//   - at least one instruction was rewritten and no placeholder is left; with --object, there are
//     as many as in the relaxed kernels' object file (so nothing else emitted one);
//   - V8 validates the module (this Node's relaxed SIMD, on by default from Node 21, or turned on
//     with --experimental-wasm-relaxed-simd);
//   - with --glue/--same-as: the build's Emscripten glue equals the SIMD128 module's but for the
//     module's name, so that lib/loader.js can load either .wasm with the one glue;
//   - with --glue/--glue-out (a threaded build, whose glue holds static data addresses that differ
//     from its sibling's): the glue is written to out.mjs under the output's name, naming the
//     sibling's worker script, which --worker-same-as checks equals this build's but for the name.
// The output is written under a temporary name and renamed only when every check passed; any
// failure leaves no output behind, so the build step runs again next time.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const args = process.argv.slice(2);
const options = {};
const files = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i].startsWith('--')) options[args[i].slice(2)] = args[++i];
  else files.push(args[i]);
}
const [input, output] = files;
const pending = `${output}.tmp`;

function fail(message) {
  console.error(`relax_wasm: ${message}`);
  if (output) rmSync(pending, { force: true });
  process.exit(1);
}
const glueOut = options['glue-out'];
if (files.length !== 2 || !options.objdump || !!options.glue !== !!(options['same-as'] || glueOut) ||
    (options['same-as'] && glueOut) || (options['worker-same-as'] && !glueOut))
  fail('usage: relax_wasm.mjs --objdump PATH [--object FILE.o] ' +
    '[--glue A.mjs (--same-as B.mjs | --glue-out OUT.mjs [--worker-same-as B.worker.js])] in.wasm out.wasm');
rmSync(output, { force: true });
if (glueOut) rmSync(glueOut, { force: true });

const PLACEHOLDER = [0xfd, 0xd0, 0x01]; // f64x2.fms (prototype opcode 0xd0, as clang 14 emits it)
const RELAXED_DOT = [0xfd, 0x93, 0x02]; // i32x4.relaxed_dot_i8x16_i7x16_add_s (0x113)
const PLACEHOLDER_LINE = /^\s*([0-9a-f]+):\s+fd d0 01\s+f64x2\.fms\s*$/gm;

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

const disassemble = (file) => execFileSync(options.objdump, ['-d', file], { maxBuffer: 1 << 30 }).toString();
const bytes = readFileSync(input);
const code = codeSectionStart(bytes);
let rewritten = 0;
for (const match of disassemble(input).matchAll(PLACEHOLDER_LINE)) {
  const at = code + parseInt(match[1], 16);
  if (!PLACEHOLDER.every((b, i) => bytes[at + i] === b))
    fail(`llvm-objdump places an f64x2.fms at ${at}, but the bytes there are not fd d0 01`);
  RELAXED_DOT.forEach((b, i) => { bytes[at + i] = b; });
  ++rewritten;
}
if (rewritten === 0)
  fail(`no f64x2.fms in ${input}: was w8a8_relaxed_dot_wasm.cpp built with -mrelaxed-simd, and is ${options.objdump} LLVM 14's?`);
if (options.object) {
  const inObject = [...disassemble(options.object).matchAll(PLACEHOLDER_LINE)].length;
  if (inObject !== rewritten)
    fail(`${input} has ${rewritten} f64x2.fms, the relaxed kernels' object ${inObject}: something else emitted one, ` +
      'or the linker or binaryen copied or dropped a kernel; look with llvm-objdump -d');
}

writeFileSync(pending, bytes);
if (/\bf64x2\.fms\b/.test(disassemble(pending))) fail('an f64x2.fms is left after rewriting');
const validates = (flags) => spawnSync(process.execPath, [...flags, '--input-type=module', '-e',
  'import { readFileSync } from "node:fs"; process.exit(WebAssembly.validate(readFileSync(0)) ? 0 : 3);'], { input: bytes }).status === 0;
if (!validates([]) && !validates(['--experimental-wasm-relaxed-simd']))
  fail('V8 does not validate the rewritten module, even with relaxed SIMD on');

// A module's name is in its glue as its .wasm's, and in a threaded build as its worker script's
// and (in the worker script) as the glue's.
const name = (file) => basename(basename(file, '.mjs'), '.worker.js');
let glue = null;
if (options['same-as']) {
  const ours = readFileSync(options.glue, 'utf8').replaceAll(name(options.glue), name(options['same-as']));
  if (ours !== readFileSync(options['same-as'], 'utf8'))
    fail(`${options.glue} differs from ${options['same-as']} beyond the module's name: lib/loader.js cannot load both .wasm files with one glue`);
} else if (glueOut) {
  glue = readFileSync(options.glue, 'utf8');
  const siblingWorker = options['worker-same-as'];
  if (siblingWorker) {
    const ourWorker = options.glue.replace(/\.mjs$/, '.worker.js');
    if (!existsSync(ourWorker)) fail(`${ourWorker} does not exist: is ${options.glue} a threaded build?`);
    if (readFileSync(ourWorker, 'utf8').replaceAll(name(options.glue), name(siblingWorker)) !== readFileSync(siblingWorker, 'utf8'))
      fail(`${ourWorker} differs from ${siblingWorker} beyond the module's name: the threaded modules cannot share one worker script`);
    glue = glue.replaceAll(`${name(options.glue)}.worker.js`, `${name(siblingWorker)}.worker.js`);
  }
  glue = glue.replaceAll(name(options.glue), name(glueOut));
}

if (glue !== null) writeFileSync(glueOut, glue);
renameSync(pending, output);
console.log(`relax_wasm: ${rewritten} relaxed dots, ${output}`);
