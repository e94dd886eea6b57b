// The two things every wrapper needs besides the module: errors, and the lifetime of the C++
// objects it owns.

/**
 * Thrown for bad values qlinear detects (NaN, shapes that do not fit, malformed files, ...);
 * wrong argument types and unknown options throw TypeError. Either way the module stays usable.
 */
export class QlinearError extends Error {
  constructor(message) {
    super(message);
    this.name = 'QlinearError';
  }
}

// The bindings return an Error object instead of throwing; this rethrows it as ours.
export function unwrap(result) {
  if (result instanceof Error) throw new QlinearError(result.message);
  return result;
}

// Frees wasm objects whose JS owner was garbage-collected without dispose(); dispose() stays
// the way to free them promptly.
const leaked = new FinalizationRegistry((handle) => handle.delete());

/** Base of every JS object that owns a C++ object in the wasm heap. */
export class WasmObject {
  #handle;
  #name;

  constructor(handle, name) {
    this.#handle = handle;
    this.#name = name;
    leaked.register(this, handle, this);
  }

  /** The Embind handle; throws once disposed. */
  handle() {
    if (!this.#handle) throw new QlinearError(`this ${this.#name} was disposed`);
    return this.#handle;
  }

  /** Frees the wasm memory now; the object cannot be used afterwards. Safe to call twice. */
  dispose() {
    if (!this.#handle) return;
    leaked.unregister(this);
    this.#handle.delete();
    this.#handle = null;
  }

  [Symbol.dispose]() {
    this.dispose();
  }
}
