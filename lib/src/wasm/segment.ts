/**
 * `UnsortedSegmentSum` for tfjs-backend-wasm — the kernel behind the gradient of `tf.gather`
 * (embedding tables). A scatter-add over typed-array views of the WASM heap:
 * out[ids[i], :] += x[i, :]. Cost O(size(x)), against O(numSegments·size(x)) for the one-hot
 * matmul alternative (see scripts/bench/kernels.mjs, which measures both). Ids outside [0, numSegments)
 * are dropped, as in TensorFlow.
 */
import { KernelArgs, sizeOf, TensorInfo } from "./common";

export function unsortedSegmentSum(args: KernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const x = inputs.x as TensorInfo;
  const ids = inputs.segmentIds as TensorInfo;
  const numSegments = Number(args.attrs?.numSegments);
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${args.attrs?.numSegments}`);
  }
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    throw new Error(`UnsortedSegmentSum on wasm supports float32 and int32, got ${x.dtype}`);
  }
  const rows = sizeOf(ids.shape);
  const inner = rows === 0 ? sizeOf(x.shape.slice(ids.shape.length)) : sizeOf(x.shape) / rows;
  if (!Number.isInteger(inner)) {
    throw new Error(`UnsortedSegmentSum: segmentIds shape ${ids.shape} is not a prefix of x shape ${x.shape}`);
  }
  const outShape = [numSegments, ...x.shape.slice(ids.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  // Views taken after the allocation above (it may have grown the heap).
  const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const idv = backend.typedArrayFromHeap(ids);
  dst.fill(0);
  if (inner === 1) {
    for (let i = 0; i < rows; i++) {
      const s = idv[i];
      if (s >= 0 && s < numSegments) dst[s] += src[i];
    }
  } else {
    for (let i = 0; i < rows; i++) {
      const s = idv[i];
      if (s < 0 || s >= numSegments) continue;
      const o = s * inner;
      const xi = i * inner;
      for (let j = 0; j < inner; j++) dst[o + j] += src[xi + j];
    }
  }
  return out;
}
