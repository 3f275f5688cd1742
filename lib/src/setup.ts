/**
 * One call at the top of every notebook: choose the backend, seed everything, read the profile,
 * load plotly once, and print a single line saying what runs.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend, type BackendInfo } from "./backend";
import { seed } from "./random";
import { profile, type Profile } from "./profile";
import { loadPlotly } from "./plot";
import { display, inKernel } from "./display";
import { Results } from "./results";

export interface NotebookEnv {
  name: string;
  profile: Profile;
  seed: number;
  backend: BackendInfo;
  results: Results;
  tf: typeof tf;
}

/**
 * `backend` is the notebook's preferred backend (e.g. "wasm" where typed-array JS or tiny ops dominate,
 * measured); `PAPERS_BACKEND` still overrides it. Say why in `backendReason`, printed with the backend line.
 */
export async function setupNotebook(opts: {
  name: string;
  seed?: number;
  backend?: string;
  backendReason?: string;
  plots?: boolean;
}): Promise<NotebookEnv> {
  const backend = await initBackend({ prefer: opts.backend });
  const s = opts.seed ?? 0;
  seed(s);
  const p = profile();
  if (opts.plots !== false && inKernel()) loadPlotly(true);
  const why = opts.backend !== undefined && opts.backendReason ? ` (${opts.backendReason})` : "";
  display.text(`${backend.summary}${why} · seed ${s} · profile ${p} · node ${process.version}`);
  return { name: opts.name, profile: p, seed: s, backend, results: new Results(opts.name), tf };
}
