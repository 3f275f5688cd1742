/**
 * Kernels that tfjs-backend-wasm 4.22 lacks, registered when the WASM backend is active.
 * (Filled in by the backend issue; returns the names of the kernels it registered.)
 */
export function registerWasmKernels(): string[] {
  return [];
}
