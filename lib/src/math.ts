/** LaTeX display, from a string or from a mathjs expression (via mathjs `toTex`). */
import { parse, type MathNode } from "mathjs";
import { display } from "./display";

/** The LaTeX for a mathjs expression string or node. */
export function texOf(expr: string | MathNode): string {
  const node = typeof expr === "string" ? parse(expr) : expr;
  return node.toTex({ parenthesis: "auto", implicit: "hide" });
}

/** Display LaTeX as display math. Accepts the body with or without `$$` delimiters. */
export function showLatex(tex: string): void {
  if (typeof tex !== "string" || tex.trim() === "") throw new Error("showLatex needs a non-empty LaTeX string");
  const body = tex.trim().replace(/^\$\$|\$\$$/g, "");
  const out = `$$${body}$$`;
  display.latex(out);
}

/** Display `lhs = <expr as LaTeX>` for a mathjs expression. */
export function showEquation(expr: string | MathNode, lhs?: string): void {
  const tex = texOf(expr);
  showLatex(lhs ? `${lhs} = ${tex}` : tex);
}
