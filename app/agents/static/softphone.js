/* The browser softphone: fetch this agent's token, register a Voice SDK Device, and
   show an offered call with Accept / Decline, then Hang up. Loaded only when the agent
   chose "this browser"; the page's policy allows no inline script, so the token URL comes
   from a data attribute. */
const panel = document.getElementById("softphone");
const state = document.getElementById("softphone-state");
const buttons = {
  accept: document.getElementById("softphone-accept"),
  reject: document.getElementById("softphone-reject"),
  hangup: document.getElementById("softphone-hangup"),
};
// Registration takes a second or two; none by then: say so (a late "registered" still
// turns the softphone ready).
const REGISTER_WAIT_MS = 6000;
let device = null;
let current = null; // the offered or connected call
let registered = false;

function say(text, kind) {
  state.textContent = text;
  panel.dataset.state = kind; // for styles and tests: starting|ready|ringing|in-call|offline|unconfigured
}

function show(...names) {
  for (const [name, button] of Object.entries(buttons)) button.hidden = !names.includes(name);
  // The agent can answer with Enter, unless they are typing somewhere (a note).
  const idle = document.activeElement === document.body || !document.activeElement;
  if (names.length && idle) buttons[names[0]].focus();
}

// On a screen pop for a call that waits to ring: tell the server this browser is ready
// (ring it now) or cannot be (the caller keeps their place). Once per page.
async function ringHere(ready) {
  const url = panel.dataset.ringUrl;
  if (!url) return;
  delete panel.dataset.ringUrl;
  const body = new URLSearchParams({csrf_token: panel.dataset.csrf, ready: ready ? "1" : "0"});
  const response = await fetch(url, {method: "POST", body, credentials: "same-origin"});
  const answer = await response.json().catch(() => ({}));
  if (!response.ok && ready && answer.message) say(answer.message, "ready");
}

function unreachable(detail) {
  registered = false;
  ringHere(false);
  say("Cannot reach the phone service, so calls cannot ring in this browser. " +
      "Check your connection, or choose your phone above." +
      (detail ? " (" + detail + ")" : ""), "offline");
}

async function fetchToken() {
  const response = await fetch(panel.dataset.tokenUrl, {credentials: "same-origin"});
  const body = await response.json().catch(() => ({}));
  if (response.status === 503) {
    say("The browser softphone is not configured: " +
        "your calls cannot ring here until an admin sets it up. Choose your phone above.",
        "unconfigured");
    ringHere(false);
    return null;
  }
  if (!response.ok || !body.token) throw new Error("token request answered " + response.status);
  return body.token;
}

function offered(call) {
  current = call;
  say("Incoming call: the caller's details are on the screen.", "ringing");
  show("accept", "reject");
  const ended = (text) => () => {
    current = null;
    show();
    say(text, registered ? "ready" : "offline");
  };
  call.on("accept", () => { say("On a call.", "in-call"); show("hangup"); });
  call.on("disconnect", ended("Call ended. Ready for calls."));
  call.on("cancel", ended("The call stopped ringing. Ready for calls."));
  call.on("reject", ended("Call declined. Ready for calls."));
  call.on("error", (error) => ended("The call failed (" + (error.code || error.message) + ").")());
}

async function start() {
  say("Starting the softphone…", "starting");
  let token;
  try {
    token = await fetchToken();
  } catch (error) {
    unreachable(error.message);
    return;
  }
  if (!token) return;
  device = new Twilio.Device(token, {closeProtection: true});
  device.on("registered", () => {
    registered = true;
    say("Ready: calls ring in this browser.", "ready");
    ringHere(true);
  });
  device.on("unregistered", () => { if (registered) unreachable(); });
  device.on("error", (error) => { if (!current) unreachable(error.code || error.message); });
  device.on("incoming", offered);
  device.on("tokenWillExpire", async () => {
    const fresh = await fetchToken().catch(() => null);
    if (fresh) device.updateToken(fresh);
  });
  window.holdlineSoftphone = device; // for the browser tests: the Device was constructed
  setTimeout(() => { if (!registered && !current) unreachable(); }, REGISTER_WAIT_MS);
  try {
    await device.register();
  } catch (error) {
    unreachable(error.code || error.message);
  }
}

buttons.accept.addEventListener("click", () => current && current.accept());
buttons.reject.addEventListener("click", () => current && current.reject());
buttons.hangup.addEventListener("click", () => current && current.disconnect());
start();
