// Memory read bandwidth probe: stream a buffer with v128.load and fold it into 8 independent
// i32x4.add accumulators (128 bytes per iteration), `reps` times. JS times read_sum() and
// divides bytes × reps by the time; the returned sum keeps the loads alive.
#include "common.h"

EXPORT(read_sum) int32_t read_sum(const v128_t *p, size_t bytes, int reps) {
  v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const size_t blocks = bytes / 128;
  for (int r = 0; r < reps; r++) {
    const v128_t *q = p;
    for (size_t i = 0; i < blocks; i++, q += 8) {
      a0 = wasm_i32x4_add(a0, wasm_v128_load(q + 0));
      a1 = wasm_i32x4_add(a1, wasm_v128_load(q + 1));
      a2 = wasm_i32x4_add(a2, wasm_v128_load(q + 2));
      a3 = wasm_i32x4_add(a3, wasm_v128_load(q + 3));
      a4 = wasm_i32x4_add(a4, wasm_v128_load(q + 4));
      a5 = wasm_i32x4_add(a5, wasm_v128_load(q + 5));
      a6 = wasm_i32x4_add(a6, wasm_v128_load(q + 6));
      a7 = wasm_i32x4_add(a7, wasm_v128_load(q + 7));
    }
    BARRIER();
  }
  v128_t s = wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_add(a0, a1), wasm_i32x4_add(a2, a3)),
                            wasm_i32x4_add(wasm_i32x4_add(a4, a5), wasm_i32x4_add(a6, a7)));
  return hsum_i32x4(s);
}
