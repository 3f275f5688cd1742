/**
 * Saving and loading weights: one little-endian float32 (or float16) blob plus a JSON manifest of
 * names, shapes and offsets — compact enough to commit, readable without tfjs' IO handlers.
 */
import * as fs from "fs";
import * as tf from "@tensorflow/tfjs";
import { type QwenConfig, type QwenWeights, namedWeights, validateConfig, weightsFromNamed } from "./qwen";
import * as V from "../validate";

export interface WeightEntry {
  name: string;
  shape: number[];
  /** Element offset into the blob. */
  offset: number;
}

export interface WeightManifest {
  format: "papers-weights-v1";
  dtype: "float32" | "float16";
  entries: WeightEntry[];
  /** Total elements. */
  size: number;
}

function f32ToF16(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Serialise named arrays to a blob + manifest. */
export function packWeights(named: [string, { shape: number[]; values: ArrayLike<number> }][], dtype: "float32" | "float16" = "float32"): { manifest: WeightManifest; blob: Buffer } {
  V.oneOf("packWeights", "dtype", dtype, ["float32", "float16"] as const);
  V.array("packWeights", "named", named).forEach((e, i) => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== "string") V.failWith("packWeights", "named", `named[${i}] must be a [name, { shape, values }] pair, got ${V.describe(e)}`);
    const t = V.plainObject("packWeights", `named[${i}][1]`, e[1]);
    V.intArray("packWeights", `named[${i}][1].shape`, t.shape, { min: 0 });
    V.finiteArray("packWeights", `named[${i}][1].values`, t.values);
  });
  const entries: WeightEntry[] = [];
  let size = 0;
  for (const [name, t] of named) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.values.length) throw new Error(`packWeights: '${name}' has ${t.values.length} values for shape [${t.shape}]`);
    entries.push({ name, shape: [...t.shape], offset: size });
    size += n;
  }
  const blob = Buffer.alloc(size * (dtype === "float32" ? 4 : 2));
  for (let e = 0; e < entries.length; e++) {
    const vals = named[e][1].values;
    const off = entries[e].offset;
    for (let i = 0; i < vals.length; i++) {
      if (dtype === "float32") blob.writeFloatLE(vals[i], (off + i) * 4);
      else blob.writeUInt16LE(f32ToF16(vals[i]), (off + i) * 2);
    }
  }
  return { manifest: { format: "papers-weights-v1", dtype, entries, size }, blob };
}

/** Inverse of `packWeights`: name → { shape, values (Float32Array) }. */
export function unpackWeights(manifest: WeightManifest, blob: Uint8Array): Map<string, { shape: number[]; values: Float32Array }> {
  V.plainObject("unpackWeights", "manifest", manifest);
  if (!(blob instanceof Uint8Array)) V.fail("unpackWeights", "blob", "a Uint8Array (or Buffer)", blob);
  V.oneOf("unpackWeights", "manifest.dtype", manifest.dtype, ["float32", "float16"] as const);
  V.nonNegInt("unpackWeights", "manifest.size", manifest.size);
  V.array("unpackWeights", "manifest.entries", manifest.entries).forEach((e, i) => {
    const o = V.plainObject("unpackWeights", `manifest.entries[${i}]`, e);
    V.nonEmptyString("unpackWeights", `manifest.entries[${i}].name`, o.name);
    V.intArray("unpackWeights", `manifest.entries[${i}].shape`, o.shape, { min: 0 });
    V.nonNegInt("unpackWeights", `manifest.entries[${i}].offset`, o.offset);
    const n = (o.shape as number[]).reduce((a, b) => a * b, 1);
    if ((o.offset as number) + n > manifest.size) V.failWith("unpackWeights", "manifest", `entry '${String(o.name)}' runs past manifest.size (${manifest.size})`);
  });
  if (manifest.format !== "papers-weights-v1") throw new Error(`unpackWeights: unknown format '${manifest.format}'`);
  const bytes = manifest.dtype === "float32" ? 4 : 2;
  if (blob.length !== manifest.size * bytes) {
    throw new Error(`unpackWeights: blob has ${blob.length} bytes, manifest expects ${manifest.size * bytes}`);
  }
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const e of manifest.entries) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      v[i] = bytes === 4 ? buf.readFloatLE((e.offset + i) * 4) : f16ToF32(buf.readUInt16LE((e.offset + i) * 2));
    }
    out.set(e.name, { shape: e.shape, values: v });
  }
  return out;
}

/** Write a model's weights to `<base>.bin` + `<base>.json`; returns the manifest. */
export function saveWeights(base: string, w: QwenWeights<tf.Tensor>, dtype: "float32" | "float16" = "float32"): WeightManifest {
  V.nonEmptyString("saveWeights", "base", base);
  V.oneOf("saveWeights", "dtype", dtype, ["float32", "float16"] as const);
  V.plainObject("saveWeights", "w", w);
  const named = namedWeights(w).map(([k, t]) => [k, { shape: t.shape, values: t.dataSync() as Float32Array }] as [string, { shape: number[]; values: Float32Array }]);
  const { manifest, blob } = packWeights(named, dtype);
  fs.writeFileSync(`${base}.bin`, blob);
  fs.writeFileSync(`${base}.json`, JSON.stringify(manifest, null, 1) + "\n");
  return manifest;
}

/** Read weights written by `saveWeights` as tensors (not variables). */
export function loadWeights(base: string, c: QwenConfig): QwenWeights<tf.Tensor> {
  V.nonEmptyString("loadWeights", "base", base);
  for (const ext of [".json", ".bin"]) if (!fs.existsSync(base + ext)) V.failWith("loadWeights", "base", `no weights file ${base}${ext}`);
  validateConfig(V.plainObject("loadWeights", "c", c) as unknown as QwenConfig);
  const manifest = JSON.parse(fs.readFileSync(`${base}.json`, "utf8")) as WeightManifest;
  const arrays = unpackWeights(manifest, fs.readFileSync(`${base}.bin`));
  const m = new Map<string, tf.Tensor>();
  for (const [k, a] of arrays) m.set(k, tf.tensor(a.values, a.shape, "float32"));
  return weightsFromNamed(c, m);
}
