/* The agent's status and the caller offered to them, as console.js receives them. Only what
   changed is touched, so focus stays on the Accept button and screen readers hear an offer
   once (the alert's text changes only for a new offer). */
import {setText as setNodeText} from "/static/rows.js";

const presence = document.getElementById("presence");
const offerBox = document.getElementById("offer");
const STATES = {"available": "Available", "away": "Away", "offered": "A caller is offered to you",
                "on-call": "On a call", "wrap-up": "Wrap-up"};
let shownOffer = null;
function setText(id, text) { setNodeText(document.getElementById(id), text); }
function stateText(data) {
  let text = STATES[data.state] || data.state;
  if (data.reason && data.state === "away") text += ` (${data.reason})`;
  return text;
}
function showOffer(offer) {
  if (!offer) { offerBox.hidden = true; shownOffer = null; return; }
  if (shownOffer !== offer.id) {
    shownOffer = offer.id;
    document.getElementById("offer-form").action = offer.accept_url;
    setText("accept-offer", `Accept ${offer.name}`);
    setText("offer-who", `${offer.name}, ${offer.queue}` +
            (offer.reason ? `: ${offer.reason}` : "") + (offer.kind === "callback" ? " (callback)" : ""));
    offerBox.hidden = false;
  }
  setText("offer-left", `Accept within ${offer.expires_in_s} s, or the caller goes to the next agent.`);
}
function showCall(call) {  // the call the agent is on (one handed over to them, too)
  const box = document.getElementById("current-call");
  box.hidden = !call;
  if (!call) return;
  const link = box.querySelector("a");
  if (link.getAttribute("href") !== call.url) link.href = call.url;
  if (call.new_tab) { link.target = "_blank"; link.rel = "noopener"; }  // keep the softphone
  setNodeText(link, `Open your call with ${call.name}`);
}
export function applyPresence(data) {
  setText("presence-state", stateText(data));  // a live region: no countdown in it
  setText("presence-left", data.wrap_up_left_s === null ? "" :
          `Wrap-up ends in ${data.wrap_up_left_s} s.`);
  showOffer(data.offer);
  showCall(data.call);
}
export async function pollPresence() {
  const response = await fetch(presence.dataset.url, {credentials: "same-origin"});
  if (response.ok) applyPresence(await response.json());
}
