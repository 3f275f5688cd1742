/**
 * Convolution gradients missing from tfjs-backend-wasm 4.22:
 *  - `Conv2DBackpropFilter` (dW of conv2d, and of conv2dTranspose): im2col built directly in
 *    transposed layout colsᵀ [K = fh·fw·cin, P = n·oh·ow] on the WASM heap, then one plain XNNPACK
 *    product colsᵀ · dy[P, cout] (dy is the packed operand and is shared by every chunk). Large
 *    inputs are processed in batch chunks so the im2col buffer stays under ~64 MB.
 *  - `Conv2DBackpropInput` (replaces the stock scalar loop): one product dy · Wᵀ, then col2im.
 *  - `DepthwiseConv2dNativeBackpropFilter` and `DepthwiseConv2dNativeBackpropInput`: direct loops
 *    over typed-array views (a depthwise conv has k²·C MACs per pixel, too few for a matmul to pay),
 *    accumulated in float64.
 * All support strides, dilations, 'same' / 'valid' / explicit padding; Conv2DBackpropFilter also NCHW.
 */
import * as tf from "@tensorflow/tfjs";
import { f32, free, KernelArgs, reshapeInfo, sizeOf, swapLast2, TensorInfo, transposeInfo, WasmBackend } from "./common";
import { stockPlain } from "./matmul";

type Pad = "valid" | "same" | number | tf.backend_util.ExplicitPadding;
type Stock = (args: KernelArgs) => TensorInfo;

const IM2COL_BYTES = 64 * 1024 * 1024;

function pair(v: unknown, dflt: number): [number, number] {
  if (v == null) return [dflt, dflt];
  if (typeof v === "number") return [v, v];
  const a = v as number[];
  return [a[0], a[1]];
}

function convInfo(xShape: number[], filterShape: number[], attrs: Record<string, unknown>, depthwise: boolean): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    pair(attrs.strides, 1),
    pair(attrs.dilations, 1),
    attrs.pad as Pad,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    depthwise,
    "channelsLast",
  );
}

/** NCHW -> NHWC copy when needed (the caller frees the result). */
function toNHWC(backend: WasmBackend, t: TensorInfo, nchw: boolean): TensorInfo {
  return nchw ? transposeInfo(backend, t, [0, 2, 3, 1]) : reshapeInfo(backend, t, t.shape);
}

export function makeConv2DBackpropFilter(batchMatMulStock: tf.KernelFunc) {
  const stock = batchMatMulStock as unknown as Stock;
  return function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
    const { inputs, backend } = args;
    const attrs = args.attrs ?? {};
    const nchw = attrs.dataFormat === "NCHW";
    const filterShape = attrs.filterShape as number[];
    const x = toNHWC(backend, inputs.x as TensorInfo, nchw);
    const dy = toNHWC(backend, inputs.dy as TensorInfo, nchw);
    try {
      const info = convInfo(x.shape, filterShape, attrs, false);
      const [N, H, W, C] = x.shape;
      const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
      const { dilationHeight: dh, dilationWidth: dw, filterHeight: FH, filterWidth: FW } = info;
      const top = info.padInfo.top;
      const left = info.padInfo.left;
      const CO = filterShape[3];
      const K = FH * FW * C;
      const perImage = OH * OW;
      const chunk = Math.max(1, Math.min(N, Math.floor(IM2COL_BYTES / (4 * K * perImage))));
      const out = backend.makeOutput([FH, FW, C, CO], "float32");
      f32(backend, out).fill(0);
      // Valid output-x range for each kw (so the inner loop has no bounds test).
      const oxLo = new Int32Array(FW);
      const oxHi = new Int32Array(FW);
      for (let kw = 0; kw < FW; kw++) {
        const off = kw * dw - left;
        oxLo[kw] = Math.max(0, Math.ceil(-off / sw));
        oxHi[kw] = Math.min(OW, Math.floor((W - 1 - off) / sw) + 1);
      }
      for (let n0 = 0; n0 < N; n0 += chunk) {
        const nc = Math.min(chunk, N - n0);
        const P = nc * perImage;
        const colsT = backend.makeOutput([1, K, P], "float32");
        let dyc: TensorInfo;
        if (nc === N) {
          dyc = reshapeInfo(backend, dy, [1, P, CO]);
        } else {
          dyc = backend.makeOutput([1, P, CO], "float32");
          f32(backend, dyc).set(f32(backend, dy).subarray(n0 * perImage * CO, (n0 + nc) * perImage * CO));
        }
        const cols = f32(backend, colsT);
        const xv = f32(backend, x);
        for (let ni = 0; ni < nc; ni++) {
          const xImg = (n0 + ni) * H * W * C;
          for (let oy = 0; oy < OH; oy++) {
            const pRow = (ni * OH + oy) * OW;
            for (let kh = 0; kh < FH; kh++) {
              const iy = oy * sh + kh * dh - top;
              const rowOk = iy >= 0 && iy < H;
              for (let kw = 0; kw < FW; kw++) {
                const lo = rowOk ? oxLo[kw] : OW;
                const hi = rowOk ? oxHi[kw] : OW;
                const ixOff = kw * dw - left;
                for (let c = 0; c < C; c++) {
                  const dst = ((kh * FW + kw) * C + c) * P + pRow;
                  for (let ox = 0; ox < lo; ox++) cols[dst + ox] = 0;
                  let src = xImg + (iy * W + lo * sw + ixOff) * C + c;
                  const step = sw * C;
                  for (let ox = lo; ox < hi; ox++, src += step) cols[dst + ox] = xv[src];
                  for (let ox = Math.max(hi, lo); ox < OW; ox++) cols[dst + ox] = 0;
                }
              }
            }
          }
        }
        const prod = stockPlain(backend, stock, colsT, dyc);
        const o = f32(backend, out);
        const pv = f32(backend, prod);
        if (n0 === 0) o.set(pv);
        else for (let i = 0; i < o.length; i++) o[i] += pv[i];
        free(backend, prod, colsT, dyc);
      }
      return out;
    } finally {
      free(backend, x, dy);
    }
  };
}

/**
 * `Conv2DBackpropInput` (dx of conv2d): cols[P, K] = dy[P, cout] · W[K, cout]ᵀ with one fast product
 * (Wᵀ is small: the explicit transpose costs nothing), then col2im — each column entry added back
 * to the input pixel it came from. Replaces the stock kernel, a scalar loop (~2 GFLOP/s).
 */
export function makeConv2DBackpropInput(batchMatMulStock: tf.KernelFunc) {
  const stock = batchMatMulStock as unknown as Stock;
  return function conv2DBackpropInput(args: KernelArgs): TensorInfo {
    const { inputs, backend } = args;
    const attrs = args.attrs ?? {};
    const nchw = attrs.dataFormat === "NCHW";
    const filter = inputs.filter as TensorInfo;
    const inShape = (attrs.inputShape as number[]).slice();
    const xShape = nchw ? [inShape[0], inShape[2], inShape[3], inShape[1]] : inShape;
    const dy = toNHWC(backend, inputs.dy as TensorInfo, nchw);
    let wT: TensorInfo | null = null;
    try {
      const info = convInfo(xShape, filter.shape, attrs, false);
      const [N, H, W, C] = xShape;
      const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
      const { dilationHeight: dh, dilationWidth: dw, filterHeight: FH, filterWidth: FW } = info;
      const top = info.padInfo.top;
      const left = info.padInfo.left;
      const CO = filter.shape[3];
      const K = FH * FW * C;
      const perImage = OH * OW;
      // Wᵀ: [1, cout, K]
      const w2 = reshapeInfo(backend, filter, [1, K, CO]);
      wT = swapLast2(backend, w2);
      free(backend, w2);
      const chunk = Math.max(1, Math.min(N, Math.floor(IM2COL_BYTES / (4 * K * perImage))));
      const out = backend.makeOutput(xShape, "float32");
      f32(backend, out).fill(0);
      for (let n0 = 0; n0 < N; n0 += chunk) {
        const nc = Math.min(chunk, N - n0);
        const P = nc * perImage;
        let dyc: TensorInfo;
        if (nc === N) {
          dyc = reshapeInfo(backend, dy, [1, P, CO]);
        } else {
          dyc = backend.makeOutput([1, P, CO], "float32");
          f32(backend, dyc).set(f32(backend, dy).subarray(n0 * perImage * CO, (n0 + nc) * perImage * CO));
        }
        const cols = stockPlain(backend, stock, dyc, wT); // [1, P, K]
        const cv = f32(backend, cols);
        const dx = f32(backend, out);
        for (let ni = 0; ni < nc; ni++) {
          const xImg = (n0 + ni) * H * W * C;
          for (let oy = 0; oy < OH; oy++) {
            for (let ox = 0; ox < OW; ox++) {
              const crow = ((ni * OH + oy) * OW + ox) * K;
              for (let kh = 0; kh < FH; kh++) {
                const iy = oy * sh + kh * dh - top;
                if (iy < 0 || iy >= H) continue;
                for (let kw = 0; kw < FW; kw++) {
                  const ix = ox * sw + kw * dw - left;
                  if (ix < 0 || ix >= W) continue;
                  const d0 = xImg + (iy * W + ix) * C;
                  const c0 = crow + (kh * FW + kw) * C;
                  for (let c = 0; c < C; c++) dx[d0 + c] += cv[c0 + c];
                }
              }
            }
          }
        }
        free(backend, cols, dyc);
      }
      if (!nchw) return out;
      const t = transposeInfo(backend, out, [0, 3, 1, 2]);
      free(backend, out);
      return t;
    } finally {
      free(backend, dy, wT);
    }
  };
}

export function depthwiseConv2dNativeBackpropFilter(args: KernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs ?? {};
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const filterShape = attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, attrs, true);
  const [N, H, W, C] = x.shape;
  const M = filterShape[3];
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw, filterHeight: FH, filterWidth: FW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const CM = C * M;
  const acc = new Float64Array(FH * FW * CM);
  const xv = f32(backend, x);
  const dv = f32(backend, dy);
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let kh = 0; kh < FH; kh++) {
        const iy = oy * sh + kh * dh - top;
        if (iy < 0 || iy >= H) continue;
        for (let ox = 0; ox < OW; ox++) {
          const dyo = ((n * OH + oy) * OW + ox) * CM;
          for (let kw = 0; kw < FW; kw++) {
            const ix = ox * sw + kw * dw - left;
            if (ix < 0 || ix >= W) continue;
            const xo = ((n * H + iy) * W + ix) * C;
            const wo = (kh * FW + kw) * CM;
            if (M === 1) {
              for (let c = 0; c < C; c++) acc[wo + c] += xv[xo + c] * dv[dyo + c];
            } else {
              for (let c = 0; c < C; c++) {
                const xval = xv[xo + c];
                const b = c * M;
                for (let q = 0; q < M; q++) acc[wo + b + q] += xval * dv[dyo + b + q];
              }
            }
          }
        }
      }
    }
  }
  const out = backend.makeOutput(filterShape, "float32");
  f32(backend, out).set(acc);
  return out;
}

export function depthwiseConv2dNativeBackpropInput(args: KernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs ?? {};
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, attrs, true);
  const [N, H, W, C] = inputShape;
  const M = filter.shape[3];
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw, filterHeight: FH, filterWidth: FW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const CM = C * M;
  const acc = new Float64Array(sizeOf(inputShape));
  const wv = f32(backend, filter);
  const dv = f32(backend, dy);
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let kh = 0; kh < FH; kh++) {
        const iy = oy * sh + kh * dh - top;
        if (iy < 0 || iy >= H) continue;
        for (let ox = 0; ox < OW; ox++) {
          const dyo = ((n * OH + oy) * OW + ox) * CM;
          for (let kw = 0; kw < FW; kw++) {
            const ix = ox * sw + kw * dw - left;
            if (ix < 0 || ix >= W) continue;
            const xo = ((n * H + iy) * W + ix) * C;
            const wo = (kh * FW + kw) * CM;
            if (M === 1) {
              for (let c = 0; c < C; c++) acc[xo + c] += wv[wo + c] * dv[dyo + c];
            } else {
              for (let c = 0; c < C; c++) {
                const b = c * M;
                let s = 0;
                for (let q = 0; q < M; q++) s += wv[wo + b + q] * dv[dyo + b + q];
                acc[xo + c] += s;
              }
            }
          }
        }
      }
    }
  }
  const out = backend.makeOutput(inputShape, "float32");
  f32(backend, out).set(acc);
  return out;
}
