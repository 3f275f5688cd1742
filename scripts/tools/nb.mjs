#!/usr/bin/env node
// Authoring helper: convert between a notebook (.ipynb, the canonical file) and a plain
// "percent" text file (`// %%` code cells, `// %% [markdown]` cells whose lines start with `// `),
// which is easier to write and review in an editor. Usage:
//   node scripts/tools/nb.mjs to-ipynb notes.ts notebooks/NN-name.ipynb
//   node scripts/tools/nb.mjs to-percent notebooks/NN-name.ipynb notes.ts
//   node scripts/tools/nb.mjs clean notebooks/*.ipynb      (strip outputs, ensure ids + tslab kernelspec)
//   node scripts/tools/nb.mjs format [--check] notebooks/*.ipynb   (prettier on every code cell)
import fs from "node:fs";
import crypto from "node:crypto";

const KERNELSPEC = { display_name: "TypeScript", language: "typescript", name: "tslab" };
const LANGUAGE_INFO = {
  codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
  file_extension: ".ts",
  mimetype: "text/typescript",
  name: "typescript",
  version: "3.7.2",
};

const cellId = (i, src) => crypto.createHash("sha1").update(`${i}\n${src}`).digest("hex").slice(0, 12);
const toLines = (text) => {
  const lines = text.split("\n");
  return lines.map((l, i) => (i < lines.length - 1 ? l + "\n" : l)).filter((l, i, a) => !(i === a.length - 1 && l === ""));
};

export function percentToNotebook(text) {
  const cells = [];
  let cur = null;
  const flush = () => {
    if (!cur) return;
    while (cur.lines.length && cur.lines[cur.lines.length - 1].trim() === "") cur.lines.pop();
    while (cur.lines.length && cur.lines[0].trim() === "") cur.lines.shift();
    const src = cur.lines.join("\n");
    if (cur.type === "markdown") {
      cells.push({ cell_type: "markdown", id: "", metadata: {}, source: toLines(src) });
    } else {
      cells.push({ cell_type: "code", execution_count: null, id: "", metadata: cur.tags ? { tags: cur.tags } : {}, outputs: [], source: toLines(src) });
    }
  };
  for (const line of text.split("\n")) {
    const m = line.match(/^\/\/ %%(.*)$/);
    if (m) {
      flush();
      const rest = m[1].trim();
      const tags = rest.match(/tags=(\[.*\])/);
      cur = { type: rest.startsWith("[markdown]") ? "markdown" : "code", lines: [], tags: tags ? JSON.parse(tags[1]) : null };
      continue;
    }
    if (!cur) {
      if (line.trim() === "") continue;
      cur = { type: "code", lines: [] };
    }
    if (cur.type === "markdown") cur.lines.push(line.replace(/^\/\/ ?/, ""));
    else cur.lines.push(line);
  }
  flush();
  cells.forEach((c, i) => (c.id = cellId(i, c.source.join(""))));
  return { cells, metadata: { kernelspec: KERNELSPEC, language_info: LANGUAGE_INFO }, nbformat: 4, nbformat_minor: 5 };
}

export function notebookToPercent(nb) {
  return nb.cells
    .map((c) => {
      const src = Array.isArray(c.source) ? c.source.join("") : c.source;
      if (c.cell_type === "markdown") return "// %% [markdown]\n" + src.split("\n").map((l) => (l ? "// " + l : "//")).join("\n");
      const tags = c.metadata?.tags?.length ? ` tags=${JSON.stringify(c.metadata.tags)}` : "";
      return `// %%${tags}\n` + src;
    })
    .join("\n\n") + "\n";
}

export function cleanNotebook(nb) {
  nb.metadata = { ...nb.metadata, kernelspec: KERNELSPEC, language_info: nb.metadata?.language_info ?? LANGUAGE_INFO };
  nb.nbformat = 4;
  nb.nbformat_minor = Math.max(5, nb.nbformat_minor ?? 5);
  nb.cells.forEach((c, i) => {
    if (!c.id) c.id = cellId(i, Array.isArray(c.source) ? c.source.join("") : c.source);
    if (c.cell_type === "code") {
      c.outputs = [];
      c.execution_count = null;
      if (c.metadata) delete c.metadata.execution;
    }
  });
  return nb;
}

/** Prettier options for notebook code cells (also used by the formatting test). */
export const PRETTIER_OPTIONS = { parser: "typescript", printWidth: 100, tabWidth: 2, semi: true, singleQuote: false, trailingComma: "all" };

/**
 * Format every code cell with prettier. Returns the list of cells that changed. A cell that
 * prettier cannot parse is reported as an error, not silently skipped.
 */
export async function formatNotebook(nb) {
  const prettier = await import("prettier");
  const changed = [];
  for (const [i, c] of nb.cells.entries()) {
    if (c.cell_type !== "code") continue;
    const src = Array.isArray(c.source) ? c.source.join("") : c.source;
    let out;
    try {
      out = (await prettier.format(src, PRETTIER_OPTIONS)).replace(/\n$/, "");
    } catch (e) {
      throw new Error(`cell ${i}: prettier cannot parse it: ${String(e.message).split("\n")[0]}`);
    }
    if (out !== src) {
      changed.push(i);
      c.source = toLines(out);
    }
  }
  return changed;
}

const write = (file, nb) => fs.writeFileSync(file, JSON.stringify(nb, null, 1) + "\n");

if (import.meta.url === `file://${process.argv[1]}`) {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === "to-ipynb" && args.length === 2) write(args[1], percentToNotebook(fs.readFileSync(args[0], "utf8")));
  else if (cmd === "to-percent" && args.length === 2) fs.writeFileSync(args[1], notebookToPercent(JSON.parse(fs.readFileSync(args[0], "utf8"))));
  else if (cmd === "clean" && args.length >= 1) for (const f of args) write(f, cleanNotebook(JSON.parse(fs.readFileSync(f, "utf8"))));
  else if (cmd === "format" && args.length >= 1) {
    const check = args[0] === "--check";
    let stale = 0;
    for (const f of check ? args.slice(1) : args) {
      const nb = JSON.parse(fs.readFileSync(f, "utf8"));
      const changed = await formatNotebook(nb);
      if (changed.length && check) {
        stale++;
        console.error(`${f}: cells ${changed.join(", ")} are not formatted (run: node scripts/tools/nb.mjs format ${f})`);
      } else if (changed.length) {
        write(f, nb);
        console.log(`${f}: formatted ${changed.length} cell(s)`);
      }
    }
    if (stale) process.exit(1);
  }
  else {
    console.error("usage: nb.mjs to-ipynb <in.ts> <out.ipynb> | to-percent <in.ipynb> <out.ts> | clean <nb.ipynb>... | format [--check] <nb.ipynb>...");
    process.exit(2);
  }
}
