// Server-sent events read with fetch, so that the kiosk token goes in its header as in every
// other call (an EventSource cannot send one). The stream is opened again whenever it ends.

import { kioskHeaders } from "./page.js";

const RETRY_MS = 3000;

// ``handlers``: a function per event type, given the event's JSON; ``down()`` when the stream ends.
export function listen(path, handlers, down) {
  const open = async () => {
    try {
      const resp = await fetch(path, { headers: kioskHeaders("text/event-stream"), cache: "no-store" });
      if (resp.ok && resp.body) await read(resp.body, handlers);
    } catch (err) {
      // the service is away: try again below
    }
    down();
    setTimeout(open, RETRY_MS);
  };
  open();
}

async function read(body, handlers) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      dispatch(buffer.slice(0, end), handlers);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
    }
  }
}

function dispatch(block, handlers) {
  let type = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (!handlers[type] || !data.length) return;
  let parsed;
  try {
    parsed = JSON.parse(data.join("\n"));
  } catch (err) {
    return;
  }
  handlers[type](parsed);
}
