// What every part of qlinear's types shares (not exported by the package: WasmObject is the base
// of its classes, not a class of its own).

/** The base of every class that holds WebAssembly memory: call dispose() (or use `using`). */
export declare class WasmObject {
  dispose(): void;
  [Symbol.dispose](): void;
}
