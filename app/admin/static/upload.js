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
    label.textContent = "This file is too large to upload.";
    return;
  }
  const xhr = new XMLHttpRequest();
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    label.textContent = `Uploading… ${bar.value}%`;
  };
  xhr.upload.onload = () => {
    bar.removeAttribute("value"); // indeterminate while the server levels and cuts
    label.textContent = "Processing the audio…";
  };
  xhr.onload = () => {
    const main = xhr.response && xhr.response.querySelector("main");
    if (main) document.querySelector("main").replaceWith(main);
    else label.textContent = `Not uploaded (${xhr.status} ${xhr.statusText}).`;
  };
  const button = form.querySelector("button[type=submit]");
  xhr.onerror = () => {
    label.textContent = "Not uploaded: the connection failed.";
    button.disabled = false;
  };
  xhr.open("POST", form.action);
  xhr.responseType = "document";
  xhr.send(new FormData(form));
  button.disabled = true;
});
