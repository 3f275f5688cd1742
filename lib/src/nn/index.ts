/**
 * Small transformer building blocks (see `qwen.ts` for the Qwen-style decoder, `ops.ts` for the
 * WASM-friendly matmul/linear/RMSNorm/RoPE pieces, `io.ts` for saving and loading weights).
 */
export * from "./ops";
export * from "./qwen";
export * from "./io";
