// The pages a reader starts from, written by the main job beside the reports:
//   index.html / index.json   — per notebook: the paper, what is exact and what is scaled down, exact and
//                               proxy checks passed, status, run time (or "cached"), profile, backend;
//   claims.html / claims.json — every recorded check of every notebook in one table, sortable and
//                               filterable by notebook, kind and status. Both work offline (no scripts
//                               or styles from anywhere else).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export function escapeHtml(s) {
  return String(s ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** notebooks/catalog.json: the paper and one line on exact vs scaled-down, per notebook. */
export function readCatalog() {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", "catalog.json"), "utf8"));
  } catch {
    return {};
  }
}

/** Passed/total per check kind. */
export function countByKind(results) {
  const c = { exact: { passed: 0, total: 0 }, proxy: { passed: 0, total: 0 } };
  for (const k of results?.checks ?? []) {
    const slot = c[k.kind] ?? (c[k.kind] = { passed: 0, total: 0 });
    slot.total++;
    if (k.pass) slot.passed++;
  }
  return c;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2em;color:#222}td,th{padding:5px 9px;border-bottom:1px solid #ddd;vertical-align:top;text-align:left}
th{background:#f4f4f4;position:sticky;top:0}tr.fail td{background:#fbe3e3}tr.ok td{background:#f4fbf4}.num{text-align:right;white-space:nowrap}
small{color:#666}pre{margin:0;white-space:pre-wrap;font-size:12px}.bad{color:#b00;font-weight:bold}`;

export function writeIndex(outDir, rows, opts) {
  const catalog = readCatalog();
  const frac = (s) => (s.total ? `${s.passed}/${s.total}` : "—");
  const trs = rows
    .map((r) => {
      const ok = r.status === "ok";
      const cat = catalog[r.notebook] ?? {};
      const k = countByKind(r.results);
      const paper = cat.title ? `${escapeHtml(cat.title)}${cat.arxiv ? ` <small>(arXiv:${escapeHtml(cat.arxiv)})</small>` : ""}` : "";
      const what = [cat.exact && `<b>exact:</b> ${escapeHtml(cat.exact)}`, cat.proxy && `<b>scaled down:</b> ${escapeHtml(cat.proxy)}`].filter(Boolean).join("<br>");
      const link = fs.existsSync(path.join(outDir, `${r.notebook}.html`)) ? `<a href="${r.notebook}.html">${r.notebook}</a>` : r.notebook;
      const time = `${r.seconds.toFixed(1)} s${r.cached ? " <small>(cached)</small>" : ""}`;
      return (
        `<tr class="${ok ? "ok" : "fail"}"><td>${link}</td><td>${paper}</td><td>${what}</td>` +
        `<td class="num">${frac(k.exact)}</td><td class="num">${frac(k.proxy)}</td>` +
        `<td>${ok ? "✔ ok" : `<span class="bad">✘ ${escapeHtml(r.status)}</span>`}${r.failedCell != null ? `<br><small>cell ${r.failedCell}</small>` : ""}</td>` +
        `<td class="num">${time}</td><td><small>${escapeHtml(r.results?.backend ?? "")}</small></td>` +
        `<td>${r.error ? `<pre>${escapeHtml(String(r.error).slice(0, 1500))}</pre>` : ""}</td></tr>`
      );
    })
    .join("\n");
  const failed = rows.filter((r) => r.status !== "ok");
  const total = rows.reduce((n, r) => n + (r.results?.summary?.total ?? 0), 0);
  const passed = rows.reduce((n, r) => n + (r.results?.summary?.passed ?? 0), 0);
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Paper notebooks — reports</title><style>${STYLE}</style></head>
<body><h1>Paper notebooks — reports</h1>
<p>${rows.length - failed.length}/${rows.length} notebooks ok${failed.length ? ` — <span class="bad">failed: ${failed.map((r) => escapeHtml(r.notebook)).join(", ")}</span>` : ""}; ${passed}/${total} checks passed
(<a href="claims.html">every claim in one table</a>). Profile <b>${escapeHtml(opts.profile)}</b>, generated ${new Date().toISOString()} on ${os.cpus().length} cores, Node ${process.version}.</p>
<table><thead><tr><th>notebook</th><th>paper</th><th>what is reproduced</th><th>exact checks</th><th>proxy checks</th><th>status</th><th>run time</th><th>backend</th><th>error</th></tr></thead><tbody>
${trs}
</tbody></table></body></html>\n`;
  fs.writeFileSync(path.join(outDir, "index.html"), html);
  const json = {
    profile: opts.profile,
    generatedAt: new Date().toISOString(),
    notebooks: rows.map(({ results, ...r }) => ({ ...r, title: catalog[r.notebook]?.title ?? null, arxiv: catalog[r.notebook]?.arxiv ?? null, backend: results?.backend ?? null, summary: results?.summary ?? null, byKind: countByKind(results) })),
  };
  fs.writeFileSync(path.join(outDir, "index.json"), JSON.stringify(json, null, 2));
}

/** Every check of every notebook, one row each. */
export function claimRows(rows) {
  return rows.flatMap((r) =>
    (r.results?.checks ?? []).map((c) => ({
      notebook: r.notebook,
      claim: c.name,
      kind: c.kind,
      reference: c.paper,
      source: c.source ?? "",
      ours: c.ours,
      tolerance: c.tolerance,
      pass: c.pass,
      negativeControl: !!c.negativeControl,
    })),
  );
}

const CLAIMS_JS = `(function(){
var tb=document.querySelector('tbody'),rows=[].slice.call(tb.rows),sel={};
function apply(){var q=document.getElementById('q').value.toLowerCase(),n=0;
rows.forEach(function(r){var ok=(!sel.notebook||r.dataset.notebook===sel.notebook)&&(!sel.kind||r.dataset.kind===sel.kind)&&(!sel.status||r.dataset.status===sel.status)&&(!q||r.textContent.toLowerCase().indexOf(q)>=0);r.style.display=ok?'':'none';if(ok)n++;});
document.getElementById('count').textContent=n+' of '+rows.length+' checks';}
['notebook','kind','status'].forEach(function(k){document.getElementById(k).onchange=function(e){sel[k]=e.target.value;apply();};});
document.getElementById('q').oninput=apply;
[].forEach.call(document.querySelectorAll('th'),function(th,i){th.style.cursor='pointer';th.title='sort';th.onclick=function(){var dir=th.dataset.dir==='asc'?-1:1;th.dataset.dir=dir>0?'asc':'desc';
rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent,nx=parseFloat(x),ny=parseFloat(y);return (isFinite(nx)&&isFinite(ny)&&String(nx)===x.trim()&&String(ny)===y.trim()?nx-ny:x.localeCompare(y))*dir;});
rows.forEach(function(r){tb.appendChild(r);});};});
apply();})();`;

export function writeClaims(outDir, rows, opts) {
  const claims = claimRows(rows);
  fs.writeFileSync(path.join(outDir, "claims.json"), JSON.stringify({ profile: opts.profile, generatedAt: new Date().toISOString(), claims }, null, 2));
  const options = (vals) => ["", ...vals].map((v) => `<option value="${escapeHtml(v)}">${v === "" ? "all" : escapeHtml(v)}</option>`).join("");
  const notebooks = [...new Set(claims.map((c) => c.notebook))];
  const trs = claims
    .map(
      (c) =>
        `<tr class="${c.pass ? "ok" : "fail"}" data-notebook="${escapeHtml(c.notebook)}" data-kind="${escapeHtml(c.kind)}" data-status="${c.pass ? "pass" : "fail"}">` +
        `<td><a href="${escapeHtml(c.notebook)}.html">${escapeHtml(c.notebook)}</a></td><td>${escapeHtml(c.claim)}${c.negativeControl ? " <small>(negative control)</small>" : ""}</td>` +
        `<td>${escapeHtml(c.kind)}</td><td>${escapeHtml(c.reference)}</td><td><small>${escapeHtml(c.source)}</small></td><td>${escapeHtml(c.ours)}</td>` +
        `<td><small>${escapeHtml(c.tolerance)}</small></td><td>${c.pass ? "✔ pass" : '<span class="bad">✘ FAIL</span>'}</td></tr>`,
    )
    .join("\n");
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Paper notebooks — every claim</title><style>${STYLE}</style></head>
<body><h1>Every claim the notebooks check</h1>
<p><a href="index.html">← reports</a> · profile <b>${escapeHtml(opts.profile)}</b> · ${claims.filter((c) => c.pass).length}/${claims.length} pass · click a column to sort.</p>
<p>notebook <select id="notebook">${options(notebooks)}</select> kind <select id="kind">${options(["exact", "proxy"])}</select>
status <select id="status">${options(["pass", "fail"])}</select> search <input id="q" size="30"> <span id="count"></span></p>
<table><thead><tr><th>notebook</th><th>claim</th><th>kind</th><th>reference</th><th>source</th><th>ours</th><th>tolerance</th><th>result</th></tr></thead><tbody>
${trs}
</tbody></table><script>${CLAIMS_JS}</script></body></html>\n`;
  fs.writeFileSync(path.join(outDir, "claims.html"), html);
}
