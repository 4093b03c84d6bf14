/* The agent console: the waiting line and callbacks, refreshed every 2 seconds. */
// The page's Content-Security-Policy allows no inline script: the URLs and the CSRF
// token come from data attributes of the line's table.
const page = document.getElementById("console").dataset;
const csrf = page.csrf;
function minutes(s) { return s < 60 ? s + " s" : Math.round(s / 60) + " min"; }
function cell(text) { const td = document.createElement("td"); td.textContent = text; return td; }
function row(cells) { const tr = document.createElement("tr"); tr.append(...cells.map(cell)); return tr; }
function fill(id, items, empty, build) {
  const none = row([empty]);
  none.firstChild.colSpan = 7;
  document.getElementById(id).replaceChildren(...(items.length ? items.map(build) : [none]));
}
function at(iso) { return new Date(iso).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"}); }
function waitingRow(r) {
  const tr = row([r.position,
    r.name + (r.kind === "callback" ? ` (callback, attempt ${r.attempt} of ${r.of}` +
                                      (r.last_result ? `, last: ${r.last_result})` : ")") : ""),
    r.queue, minutes(r.wait_s), [r.intent, r.reason].filter(Boolean).join(" · "), r.context]);
  tr.className = "waiting";
  const form = document.createElement("form");
  form.method = "post"; form.action = page.takeUrl + r.kind + "/" + r.id;
  form.innerHTML = '<input type="hidden" name="csrf_token"><button type="submit">Take</button>';
  form.querySelector("input").value = csrf;
  const td = document.createElement("td"); td.append(form); tr.append(td);
  return tr;
}
async function refresh() {
  const response = await fetch(page.lineUrl, {credentials: "same-origin"});
  if (!response.ok) return;
  const data = await response.json();
  fill("line", data.line, "Nobody is waiting.", waitingRow);
  fill("retrying", data.retrying, "None.", r => row([r.name, r.number, r.queue,
    `attempt ${r.attempt} of ${r.of} at ${at(r.retry_at)} (in ${minutes(r.retry_in_s)})`, r.last_result]));
  fill("failed", data.failed, "None.", r => row([r.name, r.number, r.queue,
    `tried ${r.tried} of ${r.of}`, r.last_result]));
}
refresh();
setInterval(refresh, 2000);
