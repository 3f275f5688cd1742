/**
 * Native `complex64` tensors on tfjs-backend-wasm (forward only, as on every tfjs backend: tfjs-core
 * defines no gradient for Complex/Real/Imag/FFT). For gradients through complex arithmetic use lib's
 * `complex` module (real/imaginary pairs), which is what the notebooks use.
 *
 * Storage: the wasm backend already allocates 8 bytes per complex64 element; we keep them as
 * interleaved float32 [re0, im0, re1, im1, ...], the layout tfjs uses for complex `dataSync()` and
 * `tf.tensor(values, shape, "complex64")`. Two BackendWasm methods (`readSync`, `typedArrayFromHeap`)
 * are taught that dtype; stock Identity and Reshape then work as they are.
 *
 * Kernels added: Complex, Real, Imag, ComplexAbs, FFT, IFFT (radix-2, direct DFT, or Bluestein, in
 * float64). Kernels wrapped (complex64 inputs handled here, everything else goes to the stock
 * kernel): Add, Sub, Multiply, Cast.
 */
import * as tf from "@tensorflow/tfjs";
import { KernelArgs, sizeOf, TensorInfo, WasmBackend, WasmKernel } from "./common";

const C64 = "complex64";

interface BackendInternals {
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number; dtype: string; shape: number[] } };
  wasm: { HEAPU8: Uint8Array };
  readSync(dataId: tf.DataId, start?: number, end?: number): unknown;
  typedArrayFromHeap(t: TensorInfo): unknown;
}

const PATCHED = Symbol.for("@papers/lib complex64 patch");

/** Teach BackendWasm to read/view complex64 data (interleaved float32). Idempotent. */
export function patchComplexStorage(): boolean {
  const b = tf.findBackend("wasm") as unknown as BackendInternals | null;
  if (!b) return false;
  const proto = Object.getPrototypeOf(b) as BackendInternals & Record<symbol, boolean>;
  if (proto[PATCHED]) return true;
  const readSync = proto.readSync;
  const typedArrayFromHeap = proto.typedArrayFromHeap;
  proto.readSync = function (this: BackendInternals, dataId: tf.DataId, start?: number, end?: number) {
    const d = this.dataIdMap.get(dataId);
    if (d && d.dtype === C64) {
      const s = start ?? 0;
      const e = end ?? sizeOf(d.shape);
      const bytes = this.wasm.HEAPU8.slice(d.memoryOffset + s * 8, d.memoryOffset + e * 8);
      return new Float32Array(bytes.buffer);
    }
    return readSync.call(this, dataId, start, end);
  };
  proto.typedArrayFromHeap = function (this: BackendInternals, t: TensorInfo) {
    if (t.dtype === C64) {
      const { memoryOffset } = this.dataIdMap.get(t.dataId);
      return new Float32Array(this.wasm.HEAPU8.buffer, memoryOffset, 2 * sizeOf(t.shape));
    }
    return typedArrayFromHeap.call(this, t);
  };
  proto[PATCHED] = true;
  return true;
}

function view(backend: WasmBackend, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

export function complexKernel(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const re = args.inputs.real as TensorInfo;
  const im = args.inputs.imag as TensorInfo;
  const out = backend.makeOutput(re.shape, C64);
  const o = view(backend, out);
  const r = view(backend, re);
  const i = view(backend, im);
  for (let k = 0; k < r.length; k++) {
    o[2 * k] = r[k];
    o[2 * k + 1] = i[k];
  }
  return out;
}

function part(offset: 0 | 1) {
  return (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const x = args.inputs.input as TensorInfo;
    const out = backend.makeOutput(x.shape, "float32");
    const o = view(backend, out);
    const v = view(backend, x);
    for (let k = 0; k < o.length; k++) o[k] = v[2 * k + offset];
    return out;
  };
}
export const realKernel = part(0);
export const imagKernel = part(1);

export function complexAbsKernel(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const x = args.inputs.x as TensorInfo;
  const out = backend.makeOutput(x.shape, "float32");
  const o = view(backend, out);
  const v = view(backend, x);
  for (let k = 0; k < o.length; k++) o[k] = Math.hypot(v[2 * k], v[2 * k + 1]);
  return out;
}

// ---- FFT (float64 work arrays) ---------------------------------------------------------------

/** In-place iterative radix-2 FFT of length n (power of two); sign -1 forward, +1 inverse (unscaled). */
function fftPow2(re: Float64Array, im: Float64Array, sign: number): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    const half = len >> 1;
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < half; k++) {
        const a = i + k;
        const b = a + half;
        const tr = re[b] * cr - im[b] * ci;
        const ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/** One transform of length n (any n): returns the unscaled DFT with exp(sign·2πi·jk/n). */
function makeTransform(n: number, sign: number): (re: Float64Array, im: Float64Array) => void {
  if ((n & (n - 1)) === 0) return (re, im) => fftPow2(re, im, sign);
  // Exact twiddles: angle reduced mod n to keep float64 accuracy for large j·k.
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = sign * Math.sin((2 * Math.PI * k) / n);
  }
  if (n <= 64) {
    const tr = new Float64Array(n);
    const ti = new Float64Array(n);
    return (re, im) => {
      for (let k = 0; k < n; k++) {
        let sr = 0;
        let si = 0;
        for (let j = 0, idx = 0; j < n; j++, idx = (idx + k) % n) {
          sr += re[j] * cos[idx] - im[j] * sin[idx];
          si += re[j] * sin[idx] + im[j] * cos[idx];
        }
        tr[k] = sr;
        ti[k] = si;
      }
      re.set(tr);
      im.set(ti);
    };
  }
  // Bluestein: DFT as a convolution with the chirp w_k = exp(sign·πi·k²/n), via power-of-two FFTs.
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const chr = new Float64Array(n);
  const chi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const kk = (k * k) % (2 * n); // exact for k < 2^26
    chr[k] = Math.cos((Math.PI * kk) / n);
    chi[k] = sign * Math.sin((Math.PI * kk) / n);
  }
  const br = new Float64Array(m);
  const bi = new Float64Array(m);
  br[0] = chr[0];
  bi[0] = -chi[0];
  for (let k = 1; k < n; k++) {
    br[k] = br[m - k] = chr[k];
    bi[k] = bi[m - k] = -chi[k];
  }
  fftPow2(br, bi, -1);
  const ar = new Float64Array(m);
  const ai = new Float64Array(m);
  return (re, im) => {
    ar.fill(0);
    ai.fill(0);
    for (let k = 0; k < n; k++) {
      ar[k] = re[k] * chr[k] - im[k] * chi[k];
      ai[k] = re[k] * chi[k] + im[k] * chr[k];
    }
    fftPow2(ar, ai, -1);
    for (let k = 0; k < m; k++) {
      const r = ar[k] * br[k] - ai[k] * bi[k];
      ai[k] = ar[k] * bi[k] + ai[k] * br[k];
      ar[k] = r;
    }
    fftPow2(ar, ai, 1);
    for (let k = 0; k < n; k++) {
      const r = ar[k] / m;
      const i = ai[k] / m;
      re[k] = r * chr[k] - i * chi[k];
      im[k] = r * chi[k] + i * chr[k];
    }
  };
}

function fftKernel(inverse: boolean) {
  return (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const x = args.inputs.input as TensorInfo;
    if (x.dtype !== C64) throw new Error(`${inverse ? "IFFT" : "FFT"} expects a complex64 tensor, got ${x.dtype}`);
    const n = x.shape[x.shape.length - 1];
    const rows = n === 0 ? 0 : sizeOf(x.shape) / n;
    const out = backend.makeOutput(x.shape, C64);
    const o = view(backend, out);
    const v = view(backend, x);
    const t = makeTransform(n, inverse ? 1 : -1);
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    const scale = inverse ? 1 / n : 1;
    for (let r = 0; r < rows; r++) {
      const base = 2 * r * n;
      for (let k = 0; k < n; k++) {
        re[k] = v[base + 2 * k];
        im[k] = v[base + 2 * k + 1];
      }
      t(re, im);
      for (let k = 0; k < n; k++) {
        o[base + 2 * k] = re[k] * scale;
        o[base + 2 * k + 1] = im[k] * scale;
      }
    }
    return out;
  };
}
export const fftForward = fftKernel(false);
export const fftInverse = fftKernel(true);

// ---- complex-aware wrappers of stock kernels --------------------------------------------------

type Stock = (args: KernelArgs) => TensorInfo;

/** Flat index into `inShape` (right-aligned broadcast) for each flat index of `outShape`. */
function broadcastMap(outShape: number[], inShape: number[]): Int32Array | null {
  if (inShape.length === outShape.length && inShape.every((d, i) => d === outShape[i])) return null;
  const n = sizeOf(outShape);
  const map = new Int32Array(n);
  const off = outShape.length - inShape.length;
  const strides: number[] = new Array(outShape.length).fill(0);
  let s = 1;
  for (let d = inShape.length - 1; d >= 0; d--) {
    strides[d + off] = inShape[d] === 1 ? 0 : s;
    s *= inShape[d];
  }
  for (let i = 0; i < n; i++) {
    let rem = i;
    let idx = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const c = rem % outShape[d];
      rem = (rem - c) / outShape[d];
      idx += c * strides[d];
    }
    map[i] = idx;
  }
  return map;
}

export function makeComplexBinary(op: "add" | "sub" | "mul", stockKernel: tf.KernelFunc): WasmKernel {
  const stock = stockKernel as unknown as Stock;
  return (args: KernelArgs): TensorInfo => {
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    if (a.dtype !== C64 && b.dtype !== C64) return stock(args);
    if (a.dtype !== C64 || b.dtype !== C64) throw new Error(`complex ${op}: both operands must be complex64 (use tf.complex)`);
    const { backend } = args;
    const shape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const ma = broadcastMap(shape, a.shape);
    const mb = broadcastMap(shape, b.shape);
    const out = backend.makeOutput(shape, C64);
    const o = view(backend, out);
    const av = view(backend, a);
    const bv = view(backend, b);
    const n = sizeOf(shape);
    for (let i = 0; i < n; i++) {
      const ia = 2 * (ma ? ma[i] : i);
      const ib = 2 * (mb ? mb[i] : i);
      const ar = av[ia];
      const ai = av[ia + 1];
      const br = bv[ib];
      const bi = bv[ib + 1];
      if (op === "add") {
        o[2 * i] = ar + br;
        o[2 * i + 1] = ai + bi;
      } else if (op === "sub") {
        o[2 * i] = ar - br;
        o[2 * i + 1] = ai - bi;
      } else {
        o[2 * i] = ar * br - ai * bi;
        o[2 * i + 1] = ar * bi + ai * br;
      }
    }
    return out;
  };
}

export function makeComplexCast(stockKernel: tf.KernelFunc): WasmKernel {
  const stock = stockKernel as unknown as Stock;
  return (args: KernelArgs): TensorInfo => {
    const x = args.inputs.x as TensorInfo;
    const dtype = String(args.attrs?.dtype);
    if (x.dtype !== C64 && dtype !== C64) return stock(args);
    const { backend } = args;
    if (x.dtype === C64 && dtype === C64) {
      const out = backend.makeOutput(x.shape, C64);
      view(backend, out).set(view(backend, x));
      return out;
    }
    if (x.dtype === C64) {
      // complex -> real dtype: the real part (as tfjs's cpu backend does), then the stock cast.
      const re = realKernel({ inputs: { input: x }, backend });
      if (dtype === "float32") return re;
      try {
        return stock({ inputs: { x: re }, backend, attrs: { dtype } });
      } finally {
        backend.disposeData(re.dataId);
      }
    }
    // real -> complex: imaginary part 0.
    const out = backend.makeOutput(x.shape, C64);
    const o = view(backend, out);
    const v = backend.typedArrayFromHeap(x);
    o.fill(0);
    for (let k = 0; k < v.length; k++) o[2 * k] = v[k];
    return out;
  };
}
