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
// pthreads), else the build's limit (the pthread pool of a threaded wasm module; 64 natively).
std::size_t max_threads();

// Why max_threads() is 1, for a person ("this build has no threads"); empty when it is not.
std::string threads_unavailable_reason();

// Starts or stops workers so that the kernels run on `count` threads (1: the calling thread only,
// the default). Throws Error for 0 or more than max_threads(). Not to be called while another
// thread is running a forward pass.
void set_threads(std::size_t count);

std::size_t threads();

}  // namespace qlinear
