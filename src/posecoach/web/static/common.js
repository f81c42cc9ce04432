// Shared helpers for the posecoach pages (no external libraries).
"use strict";

// An API error: the message, the HTTP status and the JSON body (e.g. a 409's list).
class ApiError extends Error {
  constructor(message, status, body) { super(message); this.status = status; this.body = body; }
}

async function api(path, options = {}) {
  const res = await fetch(path, { credentials: "same-origin", ...options });
  let body = null;
  const text = await res.text();
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = { detail: text }; }
  if (!res.ok) {
    const detail = body && body.detail ? (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)) : res.statusText;
    throw new ApiError(`${res.status}: ${detail}`, res.status, body);
  }
  return body;
}

// Delete `path` (a reference or a person). If other rows use it, the server answers 409
// with what would go; show that list in `box` and delete only after the user confirms it.
async function deleteWithConfirmation(path, box, what, done) {
  box.replaceChildren();
  try { done(await api(path, { method: "DELETE" })); return; }
  catch (err) { if (!(err instanceof ApiError) || err.status !== 409) { showError(box, err); return; } showImpact(err.body); }

  function showImpact(impact) {
    box.className = "impact";
    const gone = impact.would_delete, aff = impact.affected;
    const ids = (x) => x.ids.length ? ` (#${x.ids.join(", #")})` : "";
    const list = el("ul", { id: "impact-list" },
      el("li", {}, `${gone.results.count} result(s)${ids(gone.results)}, with their overlay videos, reports and plots`));
    if (gone.attempts.count) list.append(el("li", {}, `${gone.attempts.count} attempt video(s)${ids(gone.attempts)}`));
    if (gone.jobs.count) list.append(el("li", {}, `${gone.jobs.count} job record(s)${ids(gone.jobs)}`));
    list.append(el("li", {}, `${gone.files.length} stored file(s) or folder(s)`));
    const people = aff.people.names.length ? aff.people.names.join(", ") : "nobody";
    const note = el("p", {}, `This also removes sessions from the history of: ${people}.`);
    if (aff.references && aff.references.count) note.append(` References they used (kept): ${aff.references.names.join(", ")}.`);
    if (aff.attempts && aff.attempts.count) note.append(` ${aff.attempts.count} attempt(s) lose these results but are kept.`);
    const running = impact.running_jobs.length ? el("p", { class: "error" }, `Job(s) #${impact.running_jobs.join(", #")} still running: wait for them to finish.`) : "";
    const go = el("button", { class: "danger", id: "confirm-delete", type: "button" }, `Delete ${what} and all of the above`);
    if (impact.running_jobs.length) go.disabled = true;
    go.addEventListener("click", async () => {
      try { done(await api(`${path}?confirm=true&token=${encodeURIComponent(impact.token)}`, { method: "DELETE" })); }
      catch (err) { if (err instanceof ApiError && err.status === 409) showImpact(err.body); else showError(box, err); }
    });
    const keep = el("button", { type: "button", id: "cancel-delete" }, "Keep everything");
    keep.addEventListener("click", () => { box.replaceChildren(); box.className = ""; });
    box.replaceChildren(el("p", { class: "error" }, `${what[0].toUpperCase()}${what.slice(1)} is still in use. Deleting it would also delete:`), list, note, running,
      el("p", { class: "muted" }, `To keep all of this, retire ${what} instead: it leaves the lists, and its history stays viewable.`), go, " ", keep);
  }
}

function postJSON(path, data, method = "POST") {
  return api(path, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
}

function uploadVideo(path, params, file) {
  const q = new URLSearchParams({ ...params, filename: file.name });
  return api(`${path}?${q}`, { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: file });
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "onclick") node.addEventListener("click", v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function param(name) { return new URLSearchParams(location.search).get(name); }
function fmtTime(s) { const m = Math.floor(s / 60); return `${m}:${(s - 60 * m).toFixed(1).padStart(4, "0")}`; }
function fmtDate(iso) { return new Date(iso).toLocaleString(); }

function nav(active) {
  const links = [["index.html", "References"], ["compare.html", "Compare"], ["people.html", "People"], ["live.html", "Live"]];
  const header = el("header", {}, el("span", { class: "brand" }, "posecoach"));
  for (const [href, label] of links) header.append(el("a", { href, class: href === active ? "active" : "" }, label));
  document.body.prepend(header);
}

function showError(target, err) {
  target.textContent = err instanceof Error ? err.message : String(err);
  target.className = "error";
}

// Draw a skeleton: points [[x, y, c] | null], edges [[a, b]], scaled by (sx, sy).
function drawSkeleton(ctx, points, edges, sx, sy, color, width = 3, minConf = 0.3) {
  if (!points) return;
  ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = width;
  for (const [a, b] of edges) {
    const p = points[a], q = points[b];
    if (!p || !q || (p[2] ?? 1) < minConf || (q[2] ?? 1) < minConf) continue;
    ctx.beginPath(); ctx.moveTo(p[0] * sx, p[1] * sy); ctx.lineTo(q[0] * sx, q[1] * sy); ctx.stroke();
  }
  for (const p of points) {
    if (!p || (p[2] ?? 1) < minConf) continue;
    ctx.beginPath(); ctx.arc(p[0] * sx, p[1] * sy, width + 1, 0, 2 * Math.PI); ctx.fill();
  }
}
