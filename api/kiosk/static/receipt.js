// The receipt after a drop-off or pickup: printed, or, when the printer cannot print it (or there
// is none), shown on the status screen.

import { $, ask, bilingual, recordPath, state } from "./page.js";
import { T } from "./text.js";

const POLL_MS = 1000;
const TRIES = 20;
const NOTES = { printed: "receipt_printed", not_printed: "receipt_not_printed", no_printer: "receipt_no_printer" };

export function showReceipt(op, receipt, tries = 0) {
  if (state.op !== op || !receipt) return;
  if (receipt.status === "printing") {
    if (tries < TRIES) setTimeout(() => refreshReceipt(op, receipt, tries + 1), POLL_MS);
    return;
  }
  bilingual($("receipt-note"), T[NOTES[receipt.status] || NOTES.not_printed]);
  const onScreen = receipt.status !== "printed";
  $("receipt-lines").textContent = onScreen ? receipt.lines.join("\n") : "";
  $("receipt-lines").hidden = !onScreen;
  $("receipt-qr").hidden = !onScreen;
  if (onScreen) $("receipt-qr").src = receipt.qr_image;
  $("receipt").hidden = false;
}

export function hideReceipt() {
  $("receipt").hidden = true;
}

async function refreshReceipt(op, receipt, tries) {
  const result = await ask("GET", recordPath(op));
  const fresh = result && result.status === 200 && result.body && result.body.receipt;
  showReceipt(op, fresh || receipt, tries);
}
