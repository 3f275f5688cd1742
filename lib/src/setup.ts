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
import * as V from "./validate";

export interface NotebookEnv {
  name: string;
  profile: Profile;
  seed: number;
  backend: BackendInfo;
  results: Results;
  tf: typeof tf;
}

/**
 * `backend` is the notebook's preferred backend (e.g. "wasm" where it was calibrated, or where typed-array JS or
 * tiny ops dominate, measured); `PAPERS_BACKEND` still overrides it. `backendReason` says why, printed with the
 * backend line.
 */
export async function setupNotebook(opts: {
  name: string;
  seed?: number;
  backend?: string;
  backendReason?: string;
  plots?: boolean;
}): Promise<NotebookEnv> {
  const fn = "setupNotebook";
  V.options(fn, "opts", opts, ["name", "seed", "backend", "backendReason", "plots"]);
  if (opts === undefined) V.fail(fn, "opts", "an object { name, seed?, backend?, backendReason?, plots? }", opts);
  V.nonEmptyString(fn, "opts.name", opts.name);
  if (!/^[A-Za-z0-9._-]+$/.test(opts.name)) V.fail(fn, "opts.name", "a name of letters, digits, '.', '_' or '-'", opts.name);
  if (opts.seed !== undefined) V.integer(fn, "opts.seed", opts.seed);
  if (opts.backend !== undefined) V.string(fn, "opts.backend", opts.backend);
  if (opts.backendReason !== undefined) V.string(fn, "opts.backendReason", opts.backendReason);
  if (opts.plots !== undefined) V.boolean(fn, "opts.plots", opts.plots);
  const backend = await initBackend({ prefer: opts.backend });
  const s = opts.seed ?? 0;
  seed(s);
  const p = profile();
  if (opts.plots !== false && inKernel()) loadPlotly(true);
  const why = opts.backend !== undefined && opts.backendReason ? ` (${opts.backendReason})` : "";
  display.text(`${backend.summary}${why} · seed ${s} · profile ${p} · node ${process.version}`);
  return { name: opts.name, profile: p, seed: s, backend, results: new Results(opts.name), tf };
}
