/* In-call controls on the screen pop: each form is sent without a reload and the page shows
   the call's new state; the call's live stream (or, without one, a poll every 2 s:
   /static/live.js, as the console and wallboard) brings what the provider changed (a
   colleague who did not answer, a caller who hung up). Only changed text is rewritten, so
   focus stays put. No inline script (the CSP): the URLs are data attributes of the section. */
import {live} from "/static/live.js";
import {setText} from "/static/rows.js";

const section = document.getElementById("call-controls");
const stateLine = document.getElementById("call-state");
const messageLine = document.getElementById("control-message");

function show(state) {
  if (!state) return;
  setText(stateLine, state.label);
  for (const form of section.querySelectorAll("form[data-control]")) {
    const hidden = !state.allowed.includes(form.dataset.control);
    if (form.hidden !== hidden) form.hidden = hidden;
  }
}

async function send(event) {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const response = await fetch(form.action, {method: "POST", body: new FormData(form),
      credentials: "same-origin", headers: {"Accept": "application/json"}});
    const data = await response.json();
    setText(messageLine, data.message);
    show(data.state);
  } catch (error) {
    setText(messageLine, "The console could not reach the server: nothing was changed.");
  } finally {
    button.disabled = false;
  }
}

async function refresh() {
  const response = await fetch(section.dataset.url, {credentials: "same-origin",
                                                     headers: {"Accept": "application/json"}});
  if (response.ok) show((await response.json()).state);
}

if (section) {
  for (const form of section.querySelectorAll("form[data-control]")) {
    form.addEventListener("submit", send);
  }
  live(section.dataset.stream, (data) => show(data.state), refresh);
}
