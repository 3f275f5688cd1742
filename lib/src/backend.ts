/**
 * Choosing the tfjs backend. In order: `tensorflow` from @tensorflow/tfjs-node-gpu, then from
 * @tensorflow/tfjs-node (libtensorflow; set-up builds its binding from the TensorFlow wheel where
 * its own download is unreachable, see environment/tfjs-node.sh), then WebAssembly (completed by
 * the kernels in `wasm/`), then the pure-JS `cpu` backend. A backend is used only if its package is
 * installed *and* it loads and registers with this tfjs. `PAPERS_BACKEND` overrides the choice; a
 * notebook may state a preference (`prefer`), used when `PAPERS_BACKEND` is not set.
 */
import * as tf from "@tensorflow/tfjs";
import { registerWasmKernels } from "./wasm";
import { einsumGradConfig } from "./wasm/einsum";
import * as V from "./validate";

export const BACKEND_CHOICES = ["auto", "node-gpu", "node", "wasm", "cpu"] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface BackendInfo {
  /** The tfjs backend name now active: "tensorflow", "wasm" or "cpu". */
  name: string;
  /** What was asked for (argument, `PAPERS_BACKEND`, or "auto"). */
  requested: BackendChoice;
  /** The npm package that provides the backend. */
  package: string;
  /** tfjs version. */
  tfjsVersion: string;
  /** Kernels lib registered on this backend because tfjs lacks them. */
  addedKernels: string[];
  /** Candidates that were tried and why they were skipped. */
  skipped: { choice: BackendChoice; reason: string }[];
  /** One line for the reader. */
  summary: string;
}

interface Candidate {
  choice: Exclude<BackendChoice, "auto">;
  pkg: string;
  backend: string;
  load: () => Promise<void>;
}

/**
 * libtensorflow reads these at load time. Quiet logs keep notebook outputs clean; oneDNN's fused
 * kernels are off because they pick their reduction order per call (TensorFlow warns that results
 * may differ run to run) and, measured here, plain Eigen is as fast (1024² matmul 151 vs 120 GFLOP/s).
 * A value the user already set wins.
 */
function quietTensorflow(): void {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
  process.env.TF_ENABLE_ONEDNN_OPTS ??= "0";
}

function requireOptional(pkg: string): void {
  // A plain `require` of a computed name keeps bundlers and tsc from resolving it at build time.
  const req = eval("require") as NodeRequire;
  req(pkg);
}

const CANDIDATES: Candidate[] = [
  {
    choice: "node-gpu",
    pkg: "@tensorflow/tfjs-node-gpu",
    backend: "tensorflow",
    load: async () => requireOptional("@tensorflow/tfjs-node-gpu"),
  },
  {
    choice: "node",
    pkg: "@tensorflow/tfjs-node",
    backend: "tensorflow",
    // package.json installs the real package under the alias `tensorflow-tfjs-node`, because the name
    // @tensorflow/tfjs-node is taken by danfojs-node's dependency, mapped to plain @tensorflow/tfjs.
    load: async () => {
      quietTensorflow();
      try {
        requireOptional("tensorflow-tfjs-node");
      } catch (e) {
        requireOptional("@tensorflow/tfjs-node");
      }
    },
  },
  {
    choice: "wasm",
    pkg: "@tensorflow/tfjs-backend-wasm",
    backend: "wasm",
    load: async () => {
      requireOptional("@tensorflow/tfjs-backend-wasm");
    },
  },
  { choice: "cpu", pkg: "@tensorflow/tfjs-backend-cpu", backend: "cpu", load: async () => undefined },
];

/** Parse a backend choice, with a clear error for unknown names. */
export function parseBackendChoice(raw: string | undefined): BackendChoice {
  if (raw !== undefined) V.string("parseBackendChoice", "raw", raw);
  const v = (raw ?? "auto").trim().toLowerCase() || "auto";
  if (!(BACKEND_CHOICES as readonly string[]).includes(v)) {
    throw new Error(`Unknown backend '${raw}': expected one of ${BACKEND_CHOICES.join(", ")} (set via PAPERS_BACKEND or initBackend({ name }))`);
  }
  return v as BackendChoice;
}

function silenceCpuBanner(): void {
  // The cpu backend prints an "install the node backend" banner on first use; we choose backends
  // deliberately, so mark it as already used instead of turning on prod mode (which drops checks).
  const cpu = tf.findBackend("cpu") as unknown as { firstUse?: boolean } | null;
  if (cpu && "firstUse" in cpu) cpu.firstUse = false;
}

let lastInfo: BackendInfo | null = null;

/** The info of the last `initBackend` call, if any. */
export function backendInfo(): BackendInfo | null {
  return lastInfo;
}

/**
 * Pick and activate a backend (see module doc). Idempotent: calling again re-selects.
 * `name` forces a choice; otherwise `PAPERS_BACKEND`, then `prefer`, then "auto".
 */
export async function initBackend(opts: { name?: string; prefer?: string } = {}): Promise<BackendInfo> {
  V.options("initBackend", "opts", opts, ["name", "prefer"]);
  if (opts.name !== undefined) V.string("initBackend", "opts.name", opts.name);
  if (opts.prefer !== undefined) V.string("initBackend", "opts.prefer", opts.prefer);
  const env = process.env.PAPERS_BACKEND?.trim() ? process.env.PAPERS_BACKEND : undefined;
  const requested = parseBackendChoice(opts.name ?? env ?? opts.prefer);
  const how = opts.name !== undefined ? "requested" : env !== undefined ? "PAPERS_BACKEND" : opts.prefer !== undefined ? "preferred by this notebook" : "chosen automatically";
  const candidates = requested === "auto" ? CANDIDATES : CANDIDATES.filter((c) => c.choice === requested);
  const skipped: BackendInfo["skipped"] = [];
  for (const c of candidates) {
    try {
      await c.load();
      if (!tf.findBackendFactory(c.backend)) {
        throw new Error(`${c.pkg} loaded but registered no '${c.backend}' backend with this @tensorflow/tfjs`);
      }
      const ok = await tf.setBackend(c.backend);
      if (!ok) throw new Error(`tf.setBackend('${c.backend}') failed`);
      await tf.ready();
      silenceCpuBanner();
      const addedKernels = c.backend === "wasm" ? registerWasmKernels() : [];
      // tfjs-core has no Einsum gradient on any backend; lib's (built from tf ops) is global.
      if (!tf.getGradient("Einsum")) tf.registerGradient(einsumGradConfig);
      const added = addedKernels.length ? `; lib added ${addedKernels.length} kernels (${addedKernels.join(", ")})` : "";
      const info: BackendInfo = {
        name: tf.getBackend(),
        requested,
        package: c.pkg,
        tfjsVersion: tf.version.tfjs,
        addedKernels,
        skipped,
        summary: `tfjs ${tf.version.tfjs} backend: ${tf.getBackend()} (${c.pkg}${
          ", " + how
        })${added}`,
      };
      lastInfo = info;
      return info;
    } catch (e) {
      const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
      skipped.push({ choice: c.choice, reason: msg });
    }
  }
  throw new Error(
    `No usable tfjs backend for '${requested}': ` + skipped.map((s) => `${s.choice}: ${s.reason}`).join("; "),
  );
}
