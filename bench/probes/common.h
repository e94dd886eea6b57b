// Shared by the probes: a bump allocator over the module's own linear memory (no libc, no
// imports: the .wasm instantiates with an empty import object in Node and in browsers) and a
// compiler barrier that keeps clang from hoisting or merging work across repetitions.
#ifndef PROBE_COMMON_H
#define PROBE_COMMON_H
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name))) 

extern unsigned char __heap_base;
static uintptr_t probe_top;

// A 64-byte-aligned block of `bytes` bytes, growing the memory as needed (0 when it cannot).
EXPORT(reserve) void *reserve(size_t bytes) {
  if (!probe_top) probe_top = ((uintptr_t)&__heap_base + 63) & ~(uintptr_t)63;
  uintptr_t p = probe_top;
  uintptr_t end = (p + bytes + 63) & ~(uintptr_t)63;
  size_t need = (end + 65535) / 65536;
  size_t have = __builtin_wasm_memory_size(0);
  if (need > have && __builtin_wasm_memory_grow(0, need - have) == (size_t)-1) return 0;
  probe_top = end;
  return (void *)p;
}

// Forget every block (the memory stays as large as it grew).
EXPORT(release_all) void release_all(void) { probe_top = 0; }

// Deterministic non-zero bytes, so that every page is really written (an untouched page would
// read back from the kernel's shared zero page, i.e. from cache).
EXPORT(fill) void fill(unsigned char *p, size_t bytes, uint32_t seed) {
  uint32_t s = seed | 1;
  for (size_t i = 0; i < bytes; i++) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5;
    p[i] = (unsigned char)(s >> 24);
  }
}

#define BARRIER() __asm__ volatile("" ::: "memory")

static inline int32_t hsum_i32x4(v128_t v) {
  return wasm_i32x4_extract_lane(v, 0) + wasm_i32x4_extract_lane(v, 1) + wasm_i32x4_extract_lane(v, 2) +
         wasm_i32x4_extract_lane(v, 3);
}
#endif
