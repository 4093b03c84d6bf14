/* Keyed table rows, shared by the agent console and the wallboard: a poll changes only
   what changed (a kept row has only its changed cells rewritten, new rows are inserted and
   gone ones removed), so focus, selection and screen readers are never disturbed. */

function newRow(key, cells) {
  const tr = document.createElement("tr");
  tr.dataset.key = key;
  for (let n = 0; n < cells; n++) tr.append(document.createElement("td"));
  return tr;
}

export function setText(node, text) {
  if (node.textContent !== String(text)) node.textContent = text;
}

// tbody shows items in order, one row per key(item): cells(item) is its texts; extra(tr,
// item) may fill cells beyond them. With no items, one row says `empty`.
export function sync(tbody, items, key, cells, empty, extra = null) {
  const wanted = items.length ? items.map((item) => [key(item), item]) : [["empty", null]];
  const keys = new Set(wanted.map(([k]) => k));
  for (const tr of [...tbody.rows]) if (!keys.has(tr.dataset.key)) tr.remove();
  const kept = new Map([...tbody.rows].map((tr) => [tr.dataset.key, tr]));
  let next = tbody.firstElementChild;
  for (const [k, item] of wanted) {
    const texts = item ? cells(item) : [empty];
    let tr = kept.get(k);
    if (!tr) {
      tr = newRow(k, texts.length + (item && extra ? 1 : 0));
      if (!item) tr.cells[0].colSpan = tbody.parentElement.tHead.rows[0].cells.length;
    }
    texts.forEach((text, n) => setText(tr.cells[n], text));
    if (item && extra) extra(tr, item);
    if (tr === next) next = next.nextElementSibling;
    else tbody.insertBefore(tr, next); // a new row; kept rows keep their order
  }
}
