/* The wallboard, live by Server-Sent Events or, without them, polled every 2 seconds
   (/static/live.js). The server sends each row's cells as text, keyed
   (a queue by name, an agent by id): a kept row has only its changed cells rewritten, new
   rows are inserted and gone ones removed, so nothing the supervisor is reading or has
   focused is rebuilt. The URLs come from data attributes (the CSP allows no inline script). */
import {live} from "/static/live.js";
import {sync} from "/static/rows.js";

const urls = document.getElementById("queues").dataset;

function show(board) {
  sync(document.getElementById("queue-rows"), board.queues, (r) => r.key, (r) => r.cells,
       "No queues yet.");
  sync(document.getElementById("agent-rows"), board.agents, (r) => r.key, (r) => r.cells,
       "No agents yet.");
}

async function poll() {
  const response = await fetch(urls.boardUrl, {credentials: "same-origin"});
  if (response.ok) show(await response.json());
}

live(urls.streamUrl, show, poll);
