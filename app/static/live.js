/* Live pages: Server-Sent Events where the browser has EventSource, polling where not.
   The stream sends the page's whole state on every (re)connection, then again whenever it
   changed; apply(state) must change only what changed (rows.js). EventSource reconnects by
   itself when the server ends a stream (each lasts under a minute, see app/live.py). A
   server with no stream free answers 204, which closes the EventSource for good: the page
   then polls, and tries the stream again a minute later. */
const POLL_MS = 2000;
const STREAM_AGAIN_MS = 60000;

export function live(streamUrl, apply, poll) {
  let polling = null;
  function pollAwhile() {
    if (polling) return;
    poll();
    polling = setInterval(poll, POLL_MS);
    if (window.EventSource) setTimeout(() => { clearInterval(polling); polling = null; listen(); },
                                       STREAM_AGAIN_MS);
  }
  function listen() {
    if (!window.EventSource) { pollAwhile(); return; }
    const source = new EventSource(streamUrl);
    source.onmessage = (event) => apply(JSON.parse(event.data));
    source.onerror = () => { if (source.readyState === EventSource.CLOSED) pollAwhile(); };
  }
  listen();
}
