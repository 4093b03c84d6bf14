// Announced through #upload-announce (a status region outside <main>, which the answer
// replaces): at the start, at every quarter, then done or failed; not on every tick.
function announce(text) { document.getElementById("upload-announce").textContent = text; }
function tell(label, text) { label.textContent = text; announce(text); }

// Track upload with a progress bar. The server answers like a plain form post (the
// channel page, or the page with the refusal), so the new <main> replaces the old one.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.id !== "upload") return;
  event.preventDefault();
  const status = form.querySelector("#upload-status");
  const bar = status.querySelector("progress");
  const label = status.querySelector("span");
  const file = form.querySelector("#audio").files[0];
  status.hidden = false;
  if (file && file.size > Number(form.dataset.limit)) {
    tell(label, "This file is too large to upload.");
    return;
  }
  const xhr = new XMLHttpRequest();
  let told = 0; // the last quarter announced
  tell(label, "Uploading… 0%");
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    label.textContent = `Uploading… ${bar.value}%`;
    const quarter = Math.floor(bar.value / 25);
    if (quarter > told && quarter < 4) { told = quarter; announce(label.textContent); }
  };
  xhr.upload.onload = () => {
    bar.removeAttribute("value"); // indeterminate while the server levels and cuts
    tell(label, "Uploaded 100%; processing the audio…");
  };
  xhr.onload = () => {
    const main = xhr.response && xhr.response.querySelector("main");
    if (!main) { tell(label, `Not uploaded (${xhr.status} ${xhr.statusText}).`); return; }
    document.querySelector("main").replaceWith(main);
    const outcome = main.querySelector(".flash, .error");
    announce(outcome ? outcome.textContent.trim() : "Upload finished.");
  };
  const button = form.querySelector("button[type=submit]");
  xhr.onerror = () => {
    tell(label, "Not uploaded: the connection failed.");
    button.disabled = false;
  };
  xhr.open("POST", form.action);
  xhr.responseType = "document";
  xhr.send(new FormData(form));
  button.disabled = true;
});
