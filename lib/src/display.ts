/**
 * A thin layer over tslab's display API. Inside a tslab kernel, rich outputs (HTML, Markdown)
 * are sent as Jupyter display data; anywhere else (node scripts, tests) they are written to
 * stdout as plain text so that the same helpers run in both places.
 */
import * as V from "./validate";

/** The subset of tslab's `Display` that lib uses. */
export interface Display {
  html(s: string): void;
  markdown(s: string): void;
  latex(s: string): void;
  text(s: string): void;
}

interface TslabModule {
  display: Display;
  newDisplay(): Display;
}

let cachedTslab: TslabModule | null | undefined;

function loadTslab(): TslabModule | null {
  if (cachedTslab !== undefined) return cachedTslab;
  cachedTslab = null;
  try {
    // Only a running kernel has set `lastWriteDisplayData`; loading tslab elsewhere is harmless.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
    if (jupyter.lastWriteDisplayData != null) {
      cachedTslab = require("tslab") as TslabModule;
    }
  } catch {
    cachedTslab = null;
  }
  return cachedTslab;
}

/** True when running inside a tslab Jupyter kernel (rich display available). */
export function inKernel(): boolean {
  if (process.env.PAPERS_FORCE_PLAIN === "1") return false;
  return loadTslab() !== null;
}

const plain: Display = {
  html: (s) => process.stdout.write(stripTags(s) + "\n"),
  markdown: (s) => process.stdout.write(s + "\n"),
  latex: (s) => process.stdout.write(s + "\n"),
  text: (s) => process.stdout.write(s + "\n"),
};

/** Display rich content in the notebook, or plain text outside a kernel. */
export const display: Display = {
  html: (s) => (V.string("display.html", "s", s), inKernel() ? loadTslab()!.display.html(s) : plain.html(s)),
  markdown: (s) => (V.string("display.markdown", "s", s), inKernel() ? loadTslab()!.display.markdown(s) : plain.markdown(s)),
  latex: (s) => (V.string("display.latex", "s", s), inKernel() ? loadTslab()!.display.latex(s) : plain.latex(s)),
  text: (s) => (V.string("display.text", "s", s), inKernel() ? loadTslab()!.display.text(s) : plain.text(s)),
};

/**
 * A display slot that can be overwritten in place (progress bars). Outside a kernel, each
 * update is a new stdout line, so callers should update sparsely there.
 */
export function newDisplay(): Display {
  if (inKernel()) return loadTslab()!.newDisplay();
  return plain;
}

/** Escape text for safe inclusion in HTML. */
export function escapeHtml(s: string): string {
  V.string("escapeHtml", "s", s);
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function stripTags(s: string): string {
  if (/<script/i.test(s)) return "[html output with script omitted outside a kernel]";
  return s.replace(/<[^>]+>/g, " ").replace(/[ \t]+/g, " ").trim();
}
