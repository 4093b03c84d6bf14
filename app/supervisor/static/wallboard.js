/* The wallboard, polled every 2 seconds. The server sends each row's cells as text, keyed
   (a queue by name, an agent by id): a kept row has only its changed cells rewritten, new
   rows are inserted and gone ones removed, so nothing the supervisor is reading or has
   focused is rebuilt. The URL comes from a data attribute (the CSP allows no inline script). */
const boardUrl = document.getElementById("queues").dataset.boardUrl;

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function newRow(key, cells) {
  const tr = document.createElement("tr");
  tr.dataset.key = key;
  for (let n = 0; n < cells; n++) tr.append(document.createElement("td"));
  return tr;
}

// tbody shows rows in order, one per key; with none, one row says `empty`.
function sync(tbody, rows, empty) {
  const columns = tbody.parentElement.tHead.rows[0].cells.length;
  const wanted = rows.length ? rows : [{key: "empty", cells: [empty]}];
  const keys = new Set(wanted.map((row) => row.key));
  for (const tr of [...tbody.rows]) if (!keys.has(tr.dataset.key)) tr.remove();
  const kept = new Map([...tbody.rows].map((tr) => [tr.dataset.key, tr]));
  let next = tbody.firstElementChild;
  for (const row of wanted) {
    let tr = kept.get(row.key);
    if (!tr) {
      tr = newRow(row.key, row.cells.length);
      if (row.key === "empty") tr.cells[0].colSpan = columns;
    }
    row.cells.forEach((text, n) => setText(tr.cells[n], text));
    if (tr === next) next = next.nextElementSibling;
    else tbody.insertBefore(tr, next);
  }
}

async function refresh() {
  const response = await fetch(boardUrl, {credentials: "same-origin"});
  if (!response.ok) return;
  const board = await response.json();
  sync(document.getElementById("queue-rows"), board.queues, "No queues yet.");
  sync(document.getElementById("agent-rows"), board.agents, "No agents yet.");
}
setInterval(refresh, 2000);
