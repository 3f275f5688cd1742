/** LaTeX display, from a string or from a mathjs expression (via mathjs `toTex`). */
import { parse, type MathNode } from "mathjs";
import { display } from "./display";
import * as V from "./validate";

/** The LaTeX for a mathjs expression string or node. */
export function texOf(expr: string | MathNode): string {
  return texOfIn("texOf", expr);
}

function texOfIn(fn: string, expr: string | MathNode): string {
  if (typeof expr === "string") {
    V.nonEmptyString(fn, "expr", expr);
    let node: MathNode;
    try {
      node = parse(expr);
    } catch (e) {
      return V.failWith(fn, "expr", `could not parse expr '${expr}' as a mathjs expression: ${e instanceof Error ? e.message : String(e)}`);
    }
    return node.toTex({ parenthesis: "auto", implicit: "hide" });
  }
  if (typeof expr !== "object" || expr === null || typeof (expr as { toTex?: unknown }).toTex !== "function") {
    V.fail(fn, "expr", "a mathjs expression string or node", expr);
  }
  return expr.toTex({ parenthesis: "auto", implicit: "hide" });
}

/** Display LaTeX as display math. Accepts the body with or without `$$` delimiters. */
export function showLatex(tex: string): void {
  V.nonEmptyString("showLatex", "tex", tex);
  const body = tex.trim().replace(/^\$\$|\$\$$/g, "");
  const out = `$$${body}$$`;
  display.latex(out);
}

/** Display `lhs = <expr as LaTeX>` for a mathjs expression. */
export function showEquation(expr: string | MathNode, lhs?: string): void {
  if (lhs !== undefined) V.nonEmptyString("showEquation", "lhs", lhs);
  const tex = texOfIn("showEquation", expr);
  showLatex(lhs ? `${lhs} = ${tex}` : tex);
}
