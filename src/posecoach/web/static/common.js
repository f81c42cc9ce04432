// Shared helpers for the posecoach pages (no external libraries).
"use strict";

async function api(path, options = {}) {
  const res = await fetch(path, { credentials: "same-origin", ...options });
  let body = null;
  const text = await res.text();
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = { detail: text }; }
  if (!res.ok) {
    const detail = body && body.detail ? (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)) : res.statusText;
    throw new Error(`${res.status}: ${detail}`);
  }
  return body;
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
