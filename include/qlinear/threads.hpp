#pragma once
// How many threads the int8 kernels run on. One pool for the process: the calling thread plus
// threads() − 1 workers that stay asleep between calls. Every result is bit for bit the same
// whatever the count (each output is computed by one thread, by the same instructions in the same
// order as with one thread); only the time changes. Layers too small to pay for waking a worker
// run on the calling thread alone.
#include <cstddef>
#include <string>

namespace qlinear {

// The most threads this build can run: 1 in a single-threaded build (a wasm module without
// pthreads: the packaged modules, for now), else 64.
std::size_t max_threads();

// Why max_threads() is 1, for a person ("this build has no threads"); empty when it is not.
std::string threads_unavailable_reason();

// Makes the kernels run on `count` threads (1: the calling thread only, the default), starting
// workers if there are fewer than count − 1; workers are kept until the process ends (fewer
// threads park the others, asleep). Throws Error for 0, for more than max_threads(), or when a
// thread cannot be started.
void set_threads(std::size_t count);

std::size_t threads();

}  // namespace qlinear
