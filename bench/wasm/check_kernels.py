#!/usr/bin/python3
"""Reads `wasm-objdump -d` of a module holding the packed kernels and fails unless every innermost
loop doing SIMD arithmetic (i32x4.dot_i16x8_s or f32x4.mul) is free of extract_lane/replace_lane
(TOOLCHAIN.md: clang 14 scalarizes some vector conversions into per-lane code), the same for the
loops widening weights into panels, and the W8A8 dot loops read weights with plain loads (row
pairs, shifted; or a widened panel) or sign-extending loads, never through separate extend
instructions. Prints one line per such loop.

    /usr/bin/python3 bench/wasm/check_kernels.py build/bench-wasm/kernels_bench.wasm
"""
import re
import subprocess
import sys


def innermost_simd_loops(disassembly):
    func, stack, loops = None, [], []
    for line in disassembly.splitlines():
        m = re.match(r"^[0-9a-f]+ func\[(\d+)\]", line)
        if m:
            func, stack = m.group(1), []
            continue
        if "|" not in line:
            continue
        op = line.split("|", 1)[1].strip()
        if op.startswith(("loop", "block", "if", "try")):
            is_loop = op.startswith("loop")
            if is_loop:
                for entry in stack:
                    entry["nested_loop"] = True
            stack.append({"loop": is_loop, "ops": [], "nested_loop": False})
        elif op == "end" and stack:
            entry = stack.pop()
            if entry["loop"] and not entry["nested_loop"]:
                ops = entry["ops"]
                if any("dot_i16x8_s" in o or "f32x4.mul" in o or "load8x8_s" in o for o in ops):
                    loops.append((func, ops))
            if stack:
                stack[-1]["ops"].extend(entry["ops"])
        elif stack:
            stack[-1]["ops"].append(op)
    return loops


def main():
    wasm = sys.argv[1]
    disassembly = subprocess.run(["wasm-objdump", "-d", wasm], check=True, capture_output=True, text=True).stdout
    loops = innermost_simd_loops(disassembly)
    failures = 0
    for func, ops in loops:
        lanes = sum("extract_lane" in o or "replace_lane" in o for o in ops)
        dots = sum("dot_i16x8_s" in o for o in ops)
        loads8 = sum("load8x8_s" in o for o in ops)
        muls = sum("f32x4.mul" in o for o in ops)
        extends = sum("extend_" in o for o in ops)
        # A W8A8 dot loop reads its weights as row pairs or already widened (plain loads), or with
        # sign-extending loads; never with separate extend instructions.
        ok = lanes == 0 and (dots == 0 or extends == 0)
        failures += not ok
        print(f"func[{func}] loop: {len(ops)} ops, {dots} dot_i16x8_s, {loads8} load8x8_s, {muls} f32x4.mul, "
              f"{extends} extends, {lanes} lane ops {'ok' if ok else 'FAIL'}")
    if not loops:
        print("no SIMD kernel loops found")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
