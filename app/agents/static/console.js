/* The agent console: the waiting line and callbacks, and the agent's status
   (presence.js), live by Server-Sent Events or, without them, polled every 2 seconds
   (/static/live.js). An update changes only what changed: rows are keyed (a caller or callback by kind and id),
   a kept row has only its changed cells rewritten, new rows are inserted and gone ones
   removed. So a focused Take button survives every update, and a screen reader hears only
   "New caller waiting: …" from #announce, never the whole list again. */
// The page's Content-Security-Policy allows no inline script: the URLs and the CSRF
// token come from data attributes of the line's table.
import {live} from "/static/live.js";
import {setText, sync} from "/static/rows.js";
import {applyPresence, pollPresence} from "./presence.js";

const page = document.getElementById("console").dataset;
const announcer = document.getElementById("announce");
let shown = null; // keys of the waiting rows after the last update; null before the first

function minutes(s) { return s < 60 ? s + " s" : Math.round(s / 60) + " min"; }
function at(iso) { return new Date(iso).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"}); }

function waitingKey(r) { return r.kind + "-" + r.id; }

function waitingCells(r) {
  const callback = r.kind === "callback" ? ` (callback, attempt ${r.attempt} of ${r.of}` +
                                           (r.last_result ? `, last: ${r.last_result})` : ")") : "";
  return [r.position, r.name + callback, r.queue, minutes(r.wait_s),
          [r.intent, r.reason].filter(Boolean).join(" · "), r.context];
}

// The Take button, made once per row; its name says whom it takes ("Take Maria Lopez").
function takeButton(tr, r) {
  tr.className = "waiting";
  const cell = tr.cells[tr.cells.length - 1];
  if (!cell.firstChild) {
    const form = document.createElement("form");
    form.method = "post"; form.action = page.takeUrl + r.kind + "/" + r.id;
    form.innerHTML = '<input type="hidden" name="csrf_token"><button type="submit">Take' +
                     '<span class="visually-hidden"></span></button>';
    form.querySelector("input").value = page.csrf;
    cell.append(form);
  }
  setText(cell.querySelector("button span"), " " + (r.caller || r.name));
}

// Only callers who were not in the line at the last update are announced.
function announceNew(line) {
  const keys = new Set(line.map(waitingKey));
  if (shown !== null) {
    const news = line.filter((r) => !shown.has(waitingKey(r))).map((r) =>
      `New ${r.kind === "callback" ? "callback" : "caller"} waiting: ${r.queue}, ${r.caller || r.name}`);
    if (news.length) announcer.textContent = news.join(". ");
  }
  shown = keys;
}

function applyLine(data) {
  sync(document.getElementById("line"), data.line, waitingKey, waitingCells,
       "Nobody is waiting.", takeButton);
  announceNew(data.line);
  const callbackKey = (r) => r.number + " " + r.queue;
  sync(document.getElementById("retrying"), data.retrying, callbackKey, (r) => [r.name, r.number,
       r.queue, `attempt ${r.attempt} of ${r.of} at ${at(r.retry_at)} (in ${minutes(r.retry_in_s)})`,
       r.last_result], "None.");
  sync(document.getElementById("failed"), data.failed, callbackKey, (r) => [r.name, r.number,
       r.queue, `tried ${r.tried} of ${r.of}`, r.last_result], "None.");
}

async function pollLine() {
  const response = await fetch(page.lineUrl, {credentials: "same-origin"});
  if (response.ok) applyLine(await response.json());
}

live(page.streamUrl, (state) => { applyPresence(state.presence); applyLine(state.line); },
     () => { pollPresence(); pollLine(); });
