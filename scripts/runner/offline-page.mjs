// Opens a report the way a reader without network would: a file:// page in which every request that leaves
// the file system is blocked and recorded, and every uncaught page error recorded. Shared by the browser tests
// (tests/ui/jupyterlab.mjs) and the report benchmark (scripts/bench/reports.mjs), so both judge "offline" alike.
import path from "node:path";

const LOCAL = ["file://", "data:", "blob:"];
// Headless Chromium as both run it: no sandbox (root in containers), and none of its own network traffic.
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

/**
 * @param {import("playwright-core").Browser} browser
 * @param {string} file  the report's path
 * @param {{ initScript?: string, waitUntil?: "load" | "domcontentloaded", timeout?: number, errorChars?: number }} [opts]
 * @returns {Promise<{ page: import("playwright-core").Page, external: string[], errors: string[] }>} the caller closes the page
 */
export async function openOffline(browser, file, { initScript, waitUntil = "load", timeout = 180_000, errorChars = 500 } = {}) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const external = [];
  const errors = [];
  try {
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (LOCAL.some((p) => url.startsWith(p))) return route.continue();
      external.push(url);
      return route.abort();
    });
    page.on("pageerror", (e) => errors.push(String(e).slice(0, errorChars)));
    if (initScript) await page.addInitScript(initScript);
    await page.goto("file://" + path.resolve(file), { waitUntil, timeout });
  } catch (e) {
    e.offline = { external, errors };
    await page.close().catch(() => {});
    throw e;
  }
  return { page, external, errors };
}
