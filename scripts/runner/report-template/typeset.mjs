// Typesets the math of an offline report at export time, so the report carries SVG and no MathJax runtime.
//
// Called once per report by environment/python/papers_report.py (CompactBundles): reads
//   {"fragments": ["<p>html with $x$ …</p>", …]}
// as JSON on stdin and writes
//   {"fragments": [typeset html, …], "math": [mjx-container count per fragment, …],
//    "errors": [{"fragment": i, "message": "…", "tex": "…"}, …], "styles": "<css>", "cache": "<svg …>"}
// on stdout. All fragments are typeset as one document, in the order given (the report's order), so
// equation numbers (tags: 'ams') and \eqref links run across the whole report as they do in the browser,
// and every SVG shares one global glyph cache ("cache", to be placed once in the page).
//
// Same TeX setup as the MathJax runtime the report otherwise carries (scripts/runner/report-template/offline/
// index.html.j2): $…$ and \(…\) inline, $$…$$ and \[…\] display, processEscapes, tags: 'ams', tex-full's
// packages, SVG output with a global font cache. One difference, on purpose: the `noundefined` package is
// left out, so an unknown macro is a TeX error (an merror node, listed in "errors") instead of red text.
//
// Uses the npm `mathjax` package's es5 components (input/tex-full, output/svg, adaptors/liteDOM).
//   node scripts/runner/report-template/typeset.mjs < in.json > out.json
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

// Attributes of MathJax's SVG that an inline <svg> in an HTML page does not use: the namespaces (the HTML
// parser puts <svg> in the SVG namespace itself), focusable (old IE), and data-mml-node except where the
// SVG stylesheet selects on it (merror, mtable, maction). About 100 KB on a report with 350 formulas.
function slim(html) {
  return html
    .replace(/ xmlns(?::xlink)?="[^"]*"/g, "")
    .replace(/ focusable="false"/g, "")
    .replace(/ data-mml-node="(?!merror"|mtable"|maction")[^"]*"/g, "");
}

async function main() {
  const input = JSON.parse(await readStdin());
  const fragments = input.fragments;
  if (!Array.isArray(fragments) || fragments.some((f) => typeof f !== "string")) {
    throw new Error("typeset.mjs: expected {\"fragments\": [string, …]} on stdin");
  }
  const body = fragments.map((f, i) => `<div data-papers-frag="${i}">${f}</div>`).join("");
  const MathJax = await require("mathjax").init({
    loader: { load: ["input/tex-full", "output/svg", "adaptors/liteDOM"] },
    tex: {
      inlineMath: [["$", "$"], ["\\(", "\\)"]],
      displayMath: [["$$", "$$"], ["\\[", "\\]"]],
      processEscapes: true,
      tags: "ams",
      packages: { "[-]": ["noundefined"] },
    },
    svg: { fontCache: "global" },
    startup: { typeset: false, document: `<!DOCTYPE html><html><head></head><body>${body}</body></html>` },
  });
  await MathJax.typesetPromise();
  const adaptor = MathJax.startup.adaptor;
  const doc = MathJax.startup.document.document;
  const out = new Array(fragments.length).fill(null);
  const math = new Array(fragments.length).fill(0);
  const errors = [];
  let cache = "";
  const count = (node, test) => {
    let n = test(node) ? 1 : 0;
    for (const child of adaptor.childNodes(node) || []) if (adaptor.kind(child) !== "#text" && adaptor.kind(child) !== "#comment") n += count(child, test);
    return n;
  };
  const collectErrors = (node, i) => {
    if (adaptor.kind(node) === "#text" || adaptor.kind(node) === "#comment") return;
    if (adaptor.getAttribute(node, "data-mml-node") === "merror") {
      errors.push({ fragment: i, message: adaptor.getAttribute(node, "data-mjx-error") || adaptor.getAttribute(node, "title") || "TeX error" });
      return;
    }
    for (const child of adaptor.childNodes(node) || []) collectErrors(child, i);
  };
  for (const node of adaptor.childNodes(adaptor.body(doc))) {
    if (adaptor.kind(node) === "#text" || adaptor.kind(node) === "#comment") continue;
    const frag = adaptor.getAttribute(node, "data-papers-frag");
    if (frag !== null && frag !== undefined && frag !== "") {
      const i = Number(frag);
      out[i] = slim(adaptor.innerHTML(node));
      math[i] = count(node, (n) => adaptor.kind(n) === "mjx-container");
      collectErrors(node, i);
    } else if (adaptor.getAttribute(node, "id") === "MJX-SVG-global-cache") {
      cache = adaptor.outerHTML(node);
    }
  }
  // The TeX source of each error, from the math items MathJax found (for the log).
  for (const item of MathJax.startup.document.math) {
    const root = item.root;
    let bad = false;
    root.walkTree((n) => { if (n.isKind && n.isKind("merror")) bad = true; });
    if (bad) {
      const e = errors.find((x) => x.tex === undefined);
      if (e) e.tex = item.math;
    }
  }
  if (out.some((f) => f === null)) throw new Error("typeset.mjs: a fragment went missing in the typeset document");
  const styles = adaptor.textContent(MathJax.svgStylesheet());
  process.stdout.write(JSON.stringify({ fragments: out, math, errors, styles, cache }));
}

main().catch((e) => {
  process.stderr.write(`typeset.mjs: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
