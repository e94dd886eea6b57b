// Checks what the probes compiled to: the innermost loop of each probe function must contain
// the SIMD instructions it is meant to measure (i32x4.dot_i16x8_s, v128.load, ...) and no
// scalarised lane traffic (extract_lane / replace_lane) or scalar loads. Reads `wasm-objdump -d`
// (Debian package wabt).
//
//   node bench/check_probes.mjs bench/build/probes/bandwidth.wasm bench/build/probes/dot.wasm
import { execFileSync } from 'node:child_process';

const EXPECT = {
  read_sum: { need: { 'v128.load': 8, 'i32x4.add': 8 } },
  dot_peak: { need: { 'v128.load': 6, 'i32x4.dot_i16x8_s': 8, 'i32x4.add': 8 } },
  dot_int8: { need: { 'v128.load8x8_s': 8, 'v128.load': 2, 'i32x4.dot_i16x8_s': 8 } },
  dot_pairs: { need: { 'v128.load': 6, 'i16x8.shr_s': 4, 'i32x4.dot_i16x8_s': 8 } },
  f32_peak: { need: { 'v128.load': 8, 'f32x4.mul': 8, 'f32x4.add': 8 } },
};
const FORBIDDEN = /extract_lane|replace_lane|^(i32|i64|f32|f64)\.load|^f32\.(mul|add)$|^i32\.mul$/;

// { functionName: [[ops of innermost loop 1], ...] }
function innermostLoops(disassembly) {
  const loops = {};
  let fn = null;
  let stack = [];
  for (const line of disassembly.split('\n')) {
    const head = /^[0-9a-f]+ func\[\d+\] <([^>]+)>:/.exec(line);
    if (head) {
      fn = head[1];
      loops[fn] = [];
      stack = [];
      continue;
    }
    const bar = line.indexOf('| ');
    if (!fn || bar < 0) continue;
    const text = line.slice(bar + 2);
    const indent = text.length - text.trimStart().length;
    const op = text.trim().split(/\s+/)[0];
    for (const open of stack) open.ops.push(op);
    if (op === 'loop' || op === 'block' || op === 'if') stack.push({ kind: op, indent, ops: [], nested: false });
    if (op === 'end') {
      // closes the innermost open construct at this indentation
      const top = stack.pop();
      if (!top) continue;
      top.ops.pop(); // the 'end' itself
      if (top.kind === 'loop') {
        if (!top.ops.includes('loop')) loops[fn].push(top.ops);
      }
    }
  }
  return loops;
}

let failed = 0;
for (const file of process.argv.slice(2)) {
  const loops = innermostLoops(execFileSync('wasm-objdump', ['-d', file], { encoding: 'utf8' }));
  for (const [name, { need }] of Object.entries(EXPECT)) {
    if (!loops[name]) continue;
    // the hot loop: the innermost loop with the most instructions
    const hot = loops[name].sort((a, b) => b.length - a.length)[0] ?? [];
    const count = (op) => hot.filter((o) => o === op).length;
    const missing = Object.entries(need).filter(([op, n]) => count(op) < n).map(([op, n]) => `${op} ×${n} (found ${count(op)})`);
    const bad = [...new Set(hot.filter((o) => FORBIDDEN.test(o)))];
    const summary = Object.keys(need).map((op) => `${op} ×${count(op)}`).join(', ');
    if (missing.length || bad.length) {
      failed++;
      console.error(`${file} ${name}: hot loop NOT as intended: missing ${missing.join(', ') || 'nothing'}; scalar ops ${bad.join(', ') || 'none'}`);
    } else {
      console.log(`${file} ${name}: hot loop (${hot.length} instructions) has ${summary}; no lane extracts or scalar loads`);
    }
  }
}
const found = process.argv.slice(2).length;
if (!found) {
  console.error('usage: node bench/check_probes.mjs <probe.wasm>...');
  process.exit(2);
}
process.exit(failed ? 1 : 0);
