/**
 * Kernels that tfjs-backend-wasm 4.22 lacks or runs slowly, registered when the WASM backend is
 * active (lib/src/backend.ts calls `registerWasmKernels()` after `tf.setBackend("wasm")`).
 *
 * Added (missing on wasm): UnsortedSegmentSum (gradient of gather / embeddings, segment.ts);
 * Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter/Input (conv.ts); Einsum (einsum.ts,
 * plus a gradient for Einsum, which tfjs-core lacks on every backend); complex64 support, forward
 * only (complex.ts: Complex, Real, Imag, ComplexAbs, FFT, IFFT, and complex-aware Add/Sub/Multiply/Cast).
 * Replaced (stock kernel slow off its XNNPACK fast path): BatchMatMul, _FusedMatMul (matmul.ts);
 * Transpose (transpose.ts: the stock kernel is ~20× slower than a JS loop at rank ≥ 5);
 * Conv2DBackpropInput (conv.ts: product + col2im instead of the stock scalar loop).
 *
 * Set `PAPERS_WASM_KERNELS=0` to skip all of it (the benchmark uses this for "stock wasm").
 * Idempotent: a second call registers nothing and returns the same list.
 */
import * as tf from "@tensorflow/tfjs";
import { BACKEND, WasmKernel } from "./common";
import { makeBatchMatMul, makeFusedMatMul } from "./matmul";
import { makeTranspose } from "./transpose";
import { unsortedSegmentSum } from "./segment";
import { einsumGradConfig, einsumKernel } from "./einsum";
import * as cx from "./complex";
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput, makeConv2DBackpropFilter, makeConv2DBackpropInput } from "./conv";

const MARK = Symbol.for("@papers/lib wasm kernel");

let registered: string[] | null = null;

function isOurs(name: string): boolean {
  const k = tf.getKernel(name, BACKEND);
  return Boolean(k && (k.kernelFunc as unknown as Record<symbol, unknown>)[MARK]);
}

function mark(f: WasmKernel): tf.KernelFunc {
  (f as unknown as Record<symbol, unknown>)[MARK] = true;
  return f as unknown as tf.KernelFunc;
}

/** Register a kernel the wasm backend lacks; skipped when some kernel is already registered under that name. */
function add(name: string, f: WasmKernel, out: string[]): void {
  if (isOurs(name)) {
    out.push(name);
    return;
  }
  if (tf.getKernel(name, BACKEND)) return; // a newer tfjs provides it: keep theirs
  tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: mark(f) });
  out.push(name);
}

/** Replace a stock kernel, keeping its setup function (it binds the C++ entry point the stock code calls). */
function replace(name: string, make: (stock: tf.KernelFunc) => WasmKernel, out: string[]): WasmKernel | null {
  const stock = tf.getKernel(name, BACKEND);
  if (!stock) return null;
  if (isOurs(name)) {
    out.push(name);
    return stock.kernelFunc as unknown as WasmKernel;
  }
  const f = make(stock.kernelFunc);
  tf.unregisterKernel(name, BACKEND);
  tf.registerKernel({ kernelName: name, backendName: BACKEND, setupFunc: stock.setupFunc, disposeFunc: stock.disposeFunc, kernelFunc: mark(f) });
  out.push(name);
  return f;
}

/** Whether `PAPERS_WASM_KERNELS` turns the lib kernels off. */
export function wasmKernelsDisabled(): boolean {
  const v = (typeof process !== "undefined" ? process.env.PAPERS_WASM_KERNELS : undefined) ?? "";
  return ["0", "off", "false", "no"].includes(v.trim().toLowerCase());
}

/**
 * Register lib's wasm kernels; returns their names (added and replaced). Requires the wasm backend
 * to be initialised (e.g. after `tf.setBackend("wasm")`; it need not stay the active one).
 */
export function registerWasmKernels(): string[] {
  if (registered) return [...registered];
  if (wasmKernelsDisabled()) return [];
  // The backend instance must exist (the complex64 patch and the stock kernels' setup need it).
  if (!tf.findBackend(BACKEND)) return [];
  const names: string[] = [];
  const stockBmm = tf.getKernel("BatchMatMul", BACKEND);
  const bmm = replace("BatchMatMul", makeBatchMatMul, names);
  if (bmm) replace("_FusedMatMul", (stock) => makeFusedMatMul(stock, bmm), names);
  replace("Transpose", makeTranspose, names);
  add("UnsortedSegmentSum", unsortedSegmentSum, names);
  // The plain product of the stock kernel (its XNNPACK fast path) is all the filter gradient needs.
  // (If lib was loaded twice, stockBmm is our replacement, whose plain case is the same product.)
  if (stockBmm) {
    add("Conv2DBackpropFilter", makeConv2DBackpropFilter(stockBmm.kernelFunc), names);
    replace("Conv2DBackpropInput", () => makeConv2DBackpropInput(stockBmm.kernelFunc), names);
  }
  add("DepthwiseConv2dNativeBackpropFilter", depthwiseConv2dNativeBackpropFilter, names);
  add("DepthwiseConv2dNativeBackpropInput", depthwiseConv2dNativeBackpropInput, names);
  add("Einsum", einsumKernel, names);
  // tfjs-core has no Einsum gradient on any backend; this one (built from tf ops) is global.
  if (!tf.getGradient("Einsum")) tf.registerGradient(einsumGradConfig);
  // complex64 (forward): storage patch, the missing kernels, complex-aware wrappers of four stock kernels.
  if (cx.patchComplexStorage()) {
    add("Complex", cx.complexKernel, names);
    add("Real", cx.realKernel, names);
    add("Imag", cx.imagKernel, names);
    add("ComplexAbs", cx.complexAbsKernel, names);
    add("FFT", cx.fftForward, names);
    add("IFFT", cx.fftInverse, names);
    replace("Add", (stock) => cx.makeComplexBinary("add", stock), names);
    replace("Sub", (stock) => cx.makeComplexBinary("sub", stock), names);
    replace("Multiply", (stock) => cx.makeComplexBinary("mul", stock), names);
    replace("Cast", cx.makeComplexCast, names);
  }
  registered = names;
  return [...names];
}
