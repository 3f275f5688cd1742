/**
 * The quick / full switch. Tests run notebooks with `PAPERS_PROFILE=quick` (small sizes, seconds);
 * reports use `full` (the sizes the prose describes). Interactive sessions default to `full`.
 */
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

/** Pick a value by profile: `byProfile({ quick: 200, full: 5000 })`. */
export function byProfile<T>(choices: { quick: T; full: T }): T {
  return choices[profile()];
}

export const isQuick = (): boolean => profile() === "quick";
