/**
 * The quick / full switch. Tests run notebooks with `PAPERS_PROFILE=quick` (small sizes, seconds);
 * reports use `full` (the sizes the prose describes). Interactive sessions default to `full`.
 */
import * as V from "./validate";

export type Profile = "quick" | "full";

export const PROFILES: readonly Profile[] = ["quick", "full"];

/** The active profile, read from `PAPERS_PROFILE` (default `full`). Throws on an unknown name. */
export function profile(): Profile {
  const raw = (process.env.PAPERS_PROFILE ?? "full").trim().toLowerCase();
  if (raw === "") return "full";
  if (!(PROFILES as readonly string[]).includes(raw)) {
    throw new Error(
      `Unknown profile '${process.env.PAPERS_PROFILE}' in PAPERS_PROFILE: expected one of ${PROFILES.join(", ")}.`,
    );
  }
  return raw as Profile;
}

/**
 * Pick a value by profile: `byProfile({ quick: 200, full: 5000 })`. Both keys are required (in
 * either profile: a missing one would only show up, as `undefined`, when the other profile runs),
 * neither value may be `undefined` or NaN, and no other key is allowed.
 */
export function byProfile<T>(choices: { quick: T; full: T }): T {
  V.options("byProfile", "choices", choices, PROFILES);
  if (choices === undefined) V.fail("byProfile", "choices", "an object { quick, full }", choices);
  for (const p of PROFILES) {
    const v = (choices as Record<string, unknown>)[p];
    if (v === undefined) V.failWith("byProfile", `choices.${p}`, `choices.${p} is missing: give both { quick, full } (got keys {${Object.keys(choices).join(", ")}})`);
    if (typeof v === "number" && Number.isNaN(v)) V.fail("byProfile", `choices.${p}`, "a value (not NaN)", v);
  }
  return choices[profile()];
}

export const isQuick = (): boolean => profile() === "quick";
