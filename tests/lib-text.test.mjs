// Unit tests of @papers/lib `text`: the npm-shipped corpora, the split, tokenizers and windows.
import test from "node:test";
import assert from "node:assert/strict";
import * as L from "@papers/lib";

const { text } = L;

test("State of the Union corpus: 233 speeches 1790–2021, ~10.8 M chars", () => {
  const s = text.loadSotu();
  assert.equal(s.length, 233);
  assert.equal(s[0].year, 1790);
  assert.equal(s[s.length - 1].year, 2021);
  const chars = s.reduce((n, x) => n + x.text.length, 0);
  assert.ok(chars > 10e6 && chars < 11.5e6, `${chars}`);
  assert.ok(s[0].text.startsWith("Fellow-Citizens"));
});

test("WordNet glosses: one per synset, no licence lines", () => {
  const g = text.loadWordnetGlosses();
  assert.ok(g.length > 110000 && g.length < 125000, `${g.length}`);
  assert.ok(g.every((x) => x.length > 0 && !x.includes(" | ")));
  assert.ok(!g.some((x) => /Princeton University/.test(x) && /LICENSEE/.test(x)));
  assert.ok(g.includes("an entity that has physical existence"));
  assert.equal(text.wordnetVersion().db, "3.1");
});

test("splitEvery holds out exactly every k-th document", () => {
  const docs = Array.from({ length: 23 }, (_, i) => `d${i}`);
  const s = text.splitEvery(docs, 10, 5);
  assert.deepEqual(s.test, ["d5", "d15"]);
  assert.deepEqual(s.testIndex, [5, 15]);
  assert.equal(s.train.length, 21);
  assert.throws(() => text.splitEvery(docs, 1));
  assert.throws(() => text.splitEvery(docs, 10, 10));
  const sw = text.sotuWordnetSplit();
  assert.equal(sw.sotu.test.length, 23);
  assert.equal(sw.sotu.train.length, 210);
  assert.ok(sw.sotu.heldOut[0].startsWith("1795"));
});

test("CharTokenizer: frequency order, UNK, round trip, JSON", () => {
  const tok = text.CharTokenizer.fit(["aaab", "bbc", "cx"], { minCount: 2, always: ["\n"] });
  assert.deepEqual(tok.chars, ["a", "b", "\n", "c"]); // a3, b3 (tie by code point), then count 2: "\n" (10) before c (99)
  assert.equal(tok.vocabSize, 5);
  const ids = tok.encode("abx\nc");
  assert.deepEqual([...ids], [1, 2, 0, 3, 4]);
  assert.equal(tok.decode(ids), "ab\u0000\nc");
  assert.equal(tok.unknownRate("axxx"), 0.75);
  const back = text.CharTokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
  assert.deepEqual([...back.encode("cab")], [...tok.encode("cab")]);
  assert.throws(() => new text.CharTokenizer(["a", "a"]), /duplicate/);
  const emoji = text.CharTokenizer.fit(["😀😀"]);
  assert.deepEqual([...emoji.encode("😀")], [1]);
});

test("ByteTokenizer round-trips UTF-8", () => {
  const b = new text.ByteTokenizer();
  const s = "naïve — ok";
  const ids = b.encode(s);
  assert.equal(ids.length, Buffer.byteLength(s));
  assert.equal(b.decode(ids), s);
});

test("windows: strided are non-overlapping and deterministic, random use the rng", () => {
  const ids = Int32Array.from({ length: 100 }, (_, i) => i);
  const w = text.windows(ids, 10, 4, "strided");
  assert.deepEqual(w.starts, [0, 20, 40, 60]);
  assert.deepEqual([...w.data.subarray(10, 20)], [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
  assert.throws(() => text.windows(ids, 10, 11, "strided"), /non-overlapping/);
  const r1 = text.windows(ids, 10, 5, "random", new L.Rng(3));
  const r2 = text.windows(ids, 10, 5, "random", new L.Rng(3));
  assert.deepEqual(r1.starts, r2.starts);
  assert.ok(r1.starts.every((s) => s >= 0 && s <= 90));
  assert.throws(() => text.windows(ids, 10, 2, "random"), /rng/);
});
