/* The wallboard, polled every 2 seconds. The server sends each row's cells as text, keyed
   (a queue by name, an agent by id): a kept row has only its changed cells rewritten, new
   rows are inserted and gone ones removed, so nothing the supervisor is reading or has
   focused is rebuilt. The URL comes from a data attribute (the CSP allows no inline script). */
import {sync} from "/static/rows.js";

const boardUrl = document.getElementById("queues").dataset.boardUrl;

async function refresh() {
  const response = await fetch(boardUrl, {credentials: "same-origin"});
  if (!response.ok) return;
  const board = await response.json();
  sync(document.getElementById("queue-rows"), board.queues, (r) => r.key, (r) => r.cells,
       "No queues yet.");
  sync(document.getElementById("agent-rows"), board.agents, (r) => r.key, (r) => r.cells,
       "No agents yet.");
}
setInterval(refresh, 2000);
