// The wasm heap: how much is in use, refusing work that cannot fit before anything is copied in,
// and the one buffer every forward pass copies its input into and its output out of.
import { wasmModule } from './loader.js';
import { QlinearError } from './objects.js';
import { checkKeys, integer, toFloat32Array } from './checks.js';

/**
 * The WebAssembly heap: bytes in use by qlinear's objects (and by the buffers forward passes
 * reuse, which keep the size of a recent pass), bytes reserved (the heap grows on demand and
 * never shrinks), and the most it may grow to.
 * @returns {{ inUse: number, reserved: number, limit: number }}
 */
export function memory() {
  return wasmModule()._memoryStats();
}

const MB = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * Refuses work that cannot fit in the heap before any of it is copied in, naming the size it
 * needs and the limit; the module stays usable. (Allocations that still fail inside wasm come
 * back as "out of WebAssembly memory" errors.)
 */
export function requireHeapRoom(bytesNeeded, what) {
  const { inUse, limit } = memory();
  if (inUse + bytesNeeded > limit)
    throw new QlinearError(`${what} needs about ${MB(bytesNeeded)} of WebAssembly memory, but the heap limit is ` +
      `${MB(limit)} with ${MB(inUse)} in use`);
}

// The heap buffer hot calls pass data through (Model.forward): its address and size in floats.
// Reused while it fits and is not much larger than a call needs: a big batch's buffer is given
// back at the next small call rather than held for the life of the page.
let io = { module: null, pointer: 0, floats: 0 };
const IO_KEEP_FLOATS = 65536; // 256 KiB: kept whatever the call

/**
 * A buffer of at least `floats` floats in the wasm heap, for copying a call's input and output
 * through. Returns its address in floats (an index into the module's HEAPF32). Valid until the
 * next ioBuffer() call.
 */
export function ioBuffer(floats) {
  const module = wasmModule();
  if (io.module === module && floats <= io.floats && io.floats <= Math.max(4 * floats, IO_KEEP_FLOATS)) return io.pointer;
  requireHeapRoom(4 * floats, 'the input and output of a forward pass');
  const size = Math.max(floats, 256);
  // Forgotten first: _ioBuffer frees the old buffer even when it cannot allocate the new one.
  io = { module: null, pointer: 0, floats: 0 };
  const address = module._ioBuffer(size);
  if (address === 0)
    throw new QlinearError(`out of WebAssembly memory: the input and output of a forward pass need ${MB(4 * size)}`);
  io = { module, pointer: address / 4, floats: size };
  return io.pointer;
}

/** Throws the error a status-returning binding (0 = ok) kept, if it returned non-zero. */
export function unwrapStatus(status) {
  if (status !== 0) throw new QlinearError(wasmModule()._takeError());
}

const CHECK_FROM_BYTES = 4 * 2 ** 20;

/**
 * Every forward pass (layers, models, prepared models, each layer's outputs) goes this way: the
 * input is copied into the heap buffer, a numbers-only binding writes `outLength` floats after
 * it, and they are copied out. The core says how much more memory the call takes
 * (`_forwardBytes`), so work that cannot fit is refused before anything is copied.
 * @param {object} handle an Embind handle with `_forwardBytes(batch)` and `_forwardInto` (or
 *   `_forwardEachLayerInto`, with `eachLayer`: every layer's output, one after another)
 */
export function forwardThroughHeap(handle, x, batch, where, outFeatures, eachLayer = false, options = {}) {
  const input = toFloat32Array(x, 'x');
  integer(batch, 'batch', where);
  checkKeys(options ?? {}, ['out'], where);
  const outLength = Math.max(batch, 0) * outFeatures;
  const { out } = options ?? {};
  if (out !== undefined) {
    if (!(out instanceof Float32Array)) throw new TypeError(`${where}: out must be a Float32Array`);
    if (out.length !== outLength)
      throw new QlinearError(`${where}: out holds ${out.length} floats, but batch ${batch} x ${outFeatures} outputs needs ${outLength}`);
  }
  // The check costs calls into wasm (the core's figure, then the heap's), 5 % of a small model's
  // one-row forward: one row is not checked, nor is a pass under 4 MiB. Either, if it still
  // cannot allocate, gets "out of WebAssembly memory" and leaves the module as it was.
  if (batch > 1) {
    const needed = input.byteLength + 4 * outLength + handle._forwardBytes(batch);
    if (needed >= CHECK_FROM_BYTES) requireHeapRoom(needed, `a forward pass of batch ${batch}`);
  }
  const at = ioBuffer(input.length + outLength);
  const y = at + input.length;
  const wasm = wasmModule();
  wasm.HEAPF32.set(input, at);
  const status = eachLayer ? handle._forwardEachLayerInto(4 * at, input.length, batch, 4 * y, outLength)
    : handle._forwardInto(4 * at, input.length, batch, 4 * y, outLength);
  unwrapStatus(status);
  // HEAPF32 again: the heap may have grown (and its views been replaced) during the call. A new
  // array costs its first touch of fresh memory (5.7 ms for 2 MiB in Node 20, bench/README.md):
  // `out` lets a caller reuse one.
  if (out !== undefined) {
    out.set(wasm.HEAPF32.subarray(y, y + outLength));
    return out;
  }
  return wasm.HEAPF32.slice(y, y + outLength);
}

