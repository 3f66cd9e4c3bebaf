// Kiosk page: drop-off and pickup flows for citizens. Vanilla JS, no dependencies.
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const INACTIVITY_MS = (Number(body.dataset.inactivity) || 90) * 1000;
  const MODE_REFRESH_MS = (Number(body.dataset.modeRefresh) || 20) * 1000;
  const DOOR_WAIT_MS = 5 * 60 * 1000;   // a door left open: give up the screen after 5 minutes
  const DONE_MS = 20 * 1000;
  const POLL_MS = 1000;
  // The home screen dims after this long untouched; a touch or the presence sensor wakes it.
  const SLEEP_MS = (Number(body.dataset.sleep) || 120) * 1000;
  const ACTIVITY_MS = 1500;
  const AVAILABILITY_MS = 5000;

  const T = {
    door_dropoff: ["Cửa ngăn {c} đã mở — đặt hồ sơ vào và đóng cửa", "Compartment {c} is open — put your dossier in and close the door"],
    door_pickup: ["Cửa ngăn {c} đã mở — lấy kết quả và đóng cửa", "Compartment {c} is open — take your result and close the door"],
    opening_door: ["Đang mở ngăn {c}…", "Opening compartment {c}…"],
    moved: ["Ngăn trước không mở được. ", "The first compartment did not open. "],
    leave_warning: ["Cửa ngăn {c} vẫn đang mở. Vui lòng đóng cửa trước khi rời đi, hoặc chạm lần nữa để về màn hình chính.",
      "The door of compartment {c} is still open. Please close it before you leave, or tap again to go back to start."],
    countdown_over: ["Bây giờ ông/bà có thể thử lại.", "You can try again now."],
    reopen_dropoff: ["Không thấy hồ sơ trong ngăn {c}. Nếu chưa đặt hồ sơ vào, hãy mở lại ngăn.",
      "No dossier was seen in compartment {c}. If you have not put it in yet, open the compartment again."],
    reopen_pickup: ["Kết quả vẫn còn trong ngăn {c}. Hãy mở lại ngăn để lấy.",
      "Your result is still in compartment {c}. Open the compartment again to take it."],
    reopen_button: ["Mở lại ngăn {c}", "Open compartment {c} again"],
    uncollected: ["Kết quả vẫn ở trong tủ; mã nhận của ông/bà còn mở được ngăn một lần nữa.",
      "Your result is still in the cabinet; your pickup code can open its compartment once more."],
    stored: ["Đã nhận hồ sơ {d}. Xin cảm ơn!", "Your dossier {d} has been received. Thank you!"],
    collected: ["Ông/bà đã nhận kết quả hồ sơ {d}. Xin cảm ơn!", "You have collected the result of dossier {d}. Thank you!"],
    failed: ["Không mở được ngăn tủ. Vui lòng liên hệ cán bộ.", "The compartment could not be opened. Please contact a clerk."],
    cancelled: ["Lượt gửi hồ sơ đã bị huỷ.", "The drop-off was cancelled."],
    opening: ["Đang mở ngăn tủ…", "Opening a compartment…"],
    offline: ["Mất kết nối với tủ. Vui lòng thử lại hoặc liên hệ cán bộ.", "Lost connection to the locker. Please try again or contact a clerk."],
    error: ["Đã có lỗi. Vui lòng thử lại hoặc liên hệ cán bộ.", "Something went wrong. Please try again or contact a clerk."],
    scan_invalid_credentials: ["Mã QR không đúng, đã dùng hoặc đã hết hạn.", "The QR code is wrong, already used or expired."],
    scan_throttled: ["Nhập sai quá nhiều lần. Vui lòng thử lại sau.", "Too many failed attempts. Please try again later."],
    scan_other: ["Không dùng được mã QR này. Vui lòng nhập mã hồ sơ và mã nhận.", "This QR code cannot be used. Please enter the dossier code and pickup code."],
    lang_button: ["English", "Tiếng Việt"],
    key_back: ["⌫ Xoá", "⌫ Delete"],
    key_clear: ["Xoá hết", "Clear all"],
  };

  const LAYOUTS = {
    code: ["1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM", ".-/_:"].map((row) => row.split("")),
    digits: [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"], ["0"]],
  };
  const FIELDS = {
    dropoff: { dossier_code: "dossier-code", phone: "phone" },
    pickup: { dossier_code: "pickup-dossier-code", code: "pickup-code" },
  };
  const ALLOWED = { digits: /[^0-9]/g, phone: /[^0-9+ ]/g };

  const state = {
    lang: "vi", screen: "home", flow: "dropoff", size: "", mode: "idle", activeInput: null,
    op: null, pollTimer: 0, idleTimer: 0, countdownTimer: 0, submitting: false, lastScan: null,
    // The last answer of /api/v1/kiosk/availability: what can start now, and the office's contact.
    availability: null,
  };

  const fill = (pair, vars) => pair.map((s) => s.replace(/\{(\w)\}/g, (_, k) => (vars && vars[k]) || ""));
  const tr = (key, vars) => fill(T[key], vars)[state.lang === "en" ? 1 : 0];

  // ---- talking to the API -------------------------------------------------------------

  const kioskToken = (() => {
    const fromUrl = new URLSearchParams(location.search).get("kiosk_token");
    if (fromUrl) sessionStorage.setItem("kioskToken", fromUrl);
    return sessionStorage.getItem("kioskToken") || "";
  })();

  async function api(method, path, data) {
    const headers = { Accept: "application/json", "Accept-Language": state.lang };
    if (kioskToken) headers["X-Kiosk-Token"] = kioskToken;
    const options = { method, headers, cache: "no-store" };
    if (data !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(data);
    }
    const resp = await fetch(`${path}${path.includes("?") ? "&" : "?"}lang=${state.lang}`, options);
    const json = resp.status === 204 ? null : await resp.json().catch(() => null);
    return { status: resp.status, body: json, headers: resp.headers };
  }

  function setMode(mode) {
    state.mode = mode;
    api("POST", "/api/v1/kiosk/mode", { mode }).catch(() => {});
  }

  // ---- messages -----------------------------------------------------------------------

  function bilingual(element, pair) {
    element.replaceChildren();
    for (const [cls, text] of [["vi", pair[0]], ["en", pair[1]]]) {
      if (!text) continue;
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = text;
      element.append(span);
    }
  }

  // ``help``: what to do next and whom to call, a pair like ``pair`` (either may be empty).
  function showMessage(kind, pair, compartment, help) {
    const box = $("status-box");
    const msg = $("status-message");
    msg.className = "bi";
    bilingual(msg, pair);
    bilingual($("status-help"), help || ["", ""]);
    $("status-help").hidden = !help;
    box.className = `status-box ${kind}`;
    box.hidden = false;
    const label = $("compartment-label");
    label.textContent = compartment || "";
    label.hidden = !compartment;
  }

  // A message from the API is in the page's language only, and so is its ``help``.
  function showApiMessage(body, fallbackKey) {
    const text = body && typeof body.message === "string" ? body.message : tr(fallbackKey);
    const help = body && typeof body.help === "string" ? body.help : contactLine();
    showMessage("error", inPageLanguage(text), null, help ? inPageLanguage(help) : null);
  }

  // A kiosk-side error (the service could not be reached, a flow failed): the office's contact
  // as the service last gave it.
  function showKioskError(pair) {
    const help = contactLine();
    showMessage("error", pair, null, help ? inPageLanguage(help) : null);
  }

  const inPageLanguage = (text) => (state.lang === "en" ? ["", text] : [text, ""]);

  function contactLine() {
    const contact = state.availability && state.availability.contact;
    return contact ? contact[state.lang] || "" : "";
  }

  function hideMessage() {
    $("status-box").hidden = true;
    $("status-message").replaceChildren();
    $("status-help").replaceChildren();
    $("compartment-label").hidden = true;
  }

  // ---- screens ------------------------------------------------------------------------

  function show(screen) {
    state.screen = screen;
    body.dataset.screen = screen;
    for (const name of ["home", "form", "status"]) $(`screen-${name}`).hidden = name !== screen;
    resetIdle();
  }

  function stopTimers() {
    clearTimeout(state.pollTimer);
    clearInterval(state.countdownTimer);
    state.pollTimer = 0;
    state.countdownTimer = 0;
  }

  function goHome() {
    const op = state.op;
    if (op && op.waiting && REOPENABLE[op.status]) endFlow(op);
    stopTimers();
    state.op = null;
    state.submitting = false;
    $("form").reset();
    selectSize("");
    $("submit").disabled = false;
    hideMessage();
    setLang("vi");
    show("home");
    setMode("idle");
    state.lastScan = null;
    pollActivity();
    pollAvailability();
  }

  function openForm(flow) {
    stopTimers();
    state.flow = flow;
    $("dropoff-fields").hidden = flow !== "dropoff";
    $("pickup-fields").hidden = flow !== "pickup";
    offerSizes();
    hideMessage();
    show("form");
    setMode("busy");
    focusInput($(flow === "dropoff" ? "dossier-code" : "pickup-dossier-code"));
  }

  function resetIdle() {
    clearTimeout(state.idleTimer);
    wake();
    const op = state.screen === "status" && state.op && state.op.waiting ? state.op : null;
    const waited = op ? (REOPENABLE[op.status] ? INACTIVITY_MS : DOOR_WAIT_MS) : DONE_MS;
    const ms = { home: SLEEP_MS, form: INACTIVITY_MS, status: waited }[state.screen];
    state.idleTimer = setTimeout(state.screen === "home" ? sleep : goHome, ms);
  }

  // A prompt to close a door left open is never dimmed away.
  function sleep() {
    if ($("door-alert").hidden) body.classList.add("asleep");
    else resetIdle();
  }

  function wake() {
    body.classList.remove("asleep");
  }

  // ---- the form -----------------------------------------------------------------------

  function selectSize(size) {
    state.size = size;
    for (const button of document.querySelectorAll(".size")) {
      button.setAttribute("aria-checked", String(button.dataset.size === size));
    }
  }

  function focusInput(input) {
    state.activeInput = input;
    input.focus();
    renderKeyboard();
  }

  async function submit(event) {
    event.preventDefault();
    if (state.submitting || $("submit").disabled) return;
    const dropoff = state.flow === "dropoff";
    const data = dropoff
      ? { dossier_code: $("dossier-code").value.trim(), phone: $("phone").value.trim(), size: state.size }
      : { dossier_code: $("pickup-dossier-code").value.trim(), code: $("pickup-code").value.trim() };
    state.submitting = true;
    $("submit").disabled = true;
    showMessage("info", T.opening);
    let result;
    try {
      result = await api("POST", dropoff ? "/api/v1/dropoffs" : "/api/v1/pickups", data);
    } catch (err) {
      result = null;
    }
    state.submitting = false;
    if (state.screen !== "form") return;
    $("submit").disabled = false;
    if (!result) return showKioskError(T.offline);
    if (result.status === 201 && result.body) return startWaiting(state.flow, result.body);
    showApiMessage(result.body, "error");
    refocus(result.body && FIELDS[state.flow][result.body.field]);
    if (result.status === 429) countdown(parseInt(result.headers.get("Retry-After"), 10) || 30);
    if (result.status === 503 || (result.body && result.body.error === "no_compartment")) pollAvailability();
  }

  // After an error the caret goes back to the field at fault, or to the field the keys type into
  // (tapping "submit" took the focus away, and with it the highlight a citizen looks for).
  function refocus(fieldId) {
    if (fieldId) focusInput($(fieldId));
    else if (state.activeInput) state.activeInput.focus();
  }

  // The service's message names the wait in seconds; that number becomes the one live countdown.
  function countdown(seconds) {
    const started = Date.now();
    const submitButton = $("submit");
    submitButton.disabled = true;
    const sentence = $("status-message").querySelector("span");
    const number = countdownIn(sentence, String(seconds));
    const tick = () => {
      const left = Math.max(0, seconds - Math.floor((Date.now() - started) / 1000));
      number.textContent = String(left);
      if (!left) {
        clearInterval(state.countdownTimer);
        submitButton.disabled = false;
        showMessage("info", T.countdown_over);
      }
    };
    clearInterval(state.countdownTimer);
    state.countdownTimer = setInterval(tick, 1000);
    tick();
  }

  function countdownIn(sentence, seconds) {
    const number = document.createElement("span");
    number.className = "countdown";
    number.dataset.testid = "countdown";
    const text = sentence.textContent;
    const at = text.indexOf(seconds);
    if (at < 0) sentence.append(" ", number);
    else sentence.replaceChildren(text.slice(0, at), number, text.slice(at + seconds.length));
    return number;
  }

  // ---- on-screen keyboard -------------------------------------------------------------

  function renderKeyboard() {
    const board = $("keyboard");
    const input = state.activeInput;
    const kind = input ? input.dataset.keys : "";
    board.replaceChildren();
    board.className = `keyboard ${kind}`;
    if (!LAYOUTS[kind]) return;
    const rows = LAYOUTS[kind].map((row) => row.slice());
    rows[rows.length - 1].push("CLEAR", "BACK");
    for (const row of rows) {
      const line = document.createElement("div");
      line.className = "row";
      for (const key of row) line.append(keyButton(key));
      board.append(line);
    }
  }

  function keyButton(key) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = key.length > 1 ? "key wide" : "key";
    button.dataset.key = key;
    button.dataset.testid = `key-${key.toLowerCase()}`;
    button.textContent = key === "BACK" ? tr("key_back") : key === "CLEAR" ? tr("key_clear") : key;
    return button;
  }

  function pressKey(key) {
    const input = state.activeInput;
    if (!input) return;
    if (key === "BACK") input.value = input.value.slice(0, -1);
    else if (key === "CLEAR") input.value = "";
    else if (input.value.length < input.maxLength) input.value += key;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function cleanInput(input) {
    const pattern = input.id === "phone" ? ALLOWED.phone : input.dataset.keys === "digits" ? ALLOWED.digits : null;
    if (pattern && pattern.test(input.value)) input.value = input.value.replace(pattern, "");
  }

  // ---- waiting for the door -----------------------------------------------------------
  // The page says a door is open only once the service has seen it open (status ``door_open``);
  // until then (``opening``) it says which compartment is being opened, and a jam shows the move
  // to another compartment, or the failure, never a door that did not open.

  const WAITING = new Set(["opening", "door_open"]);
  // Where item sensors tell, a door closed on nothing (drop-off) or on the result still inside
  // (pickup) can be opened once more; leaving ends the flow (cancelled, or the result stays ready).
  const REOPENABLE = { closed_empty: "reopen_dropoff", left_inside: "reopen_pickup" };
  const recordPath = (op) => `/api/v1/${op.kind === "dropoff" ? "dropoffs" : "pickups"}/${op.id}`;

  function startWaiting(kind, op) {
    stopTimers();
    state.op = { kind, id: op.id, compartment: op.compartment, status: op.status, waiting: true, moved: false,
      failures: 0, leaving: false };
    $("btn-retry").hidden = true;
    $("btn-reopen").hidden = true;
    showDetail("");
    show("status");
    setMode("busy");
    showDoor();
    state.pollTimer = setTimeout(pollOperation, POLL_MS);
  }

  function showDoor() {
    const op = state.op;
    const key = op.status === "door_open" ? (op.kind === "dropoff" ? "door_dropoff" : "door_pickup") : "opening_door";
    const door = fill(T[key], { c: op.compartment || "" });
    const pair = op.moved ? door.map((text, i) => T.moved[i] + text) : door;
    showMessage("info", pair, op.compartment);
  }

  async function pollOperation() {
    const op = state.op;
    if (!op || !op.waiting) return;
    let result = null;
    try {
      result = await api("GET", recordPath(op));
    } catch (err) {
      result = null;
    }
    if (state.op !== op) return;
    if (!result || result.status >= 500) {
      op.failures += 1;
      if (op.failures === 5) showDetail(tr("offline"));
    } else if (result.status !== 200 || !result.body) {
      return finish("error", null, result.body);
    } else {
      op.failures = 0;
      showDetail(op.leaving ? tr("leave_warning", { c: op.compartment }) : "", op.leaving);
      const st = result.body.status;
      if (WAITING.has(st)) {
        followDoor(op, st, result.body.compartment);
      } else if (REOPENABLE[st]) {
        offerReopen(op, st);
      } else if (st === "stored" || st === "collected") {
        return finish("success", fill(T[op.kind === "dropoff" ? "stored" : "collected"], { d: result.body.dossier_code }));
      } else {
        return finish("error", T[{ cancelled: "cancelled", uncollected: "uncollected" }[st] || "failed"]);
      }
    }
    state.pollTimer = setTimeout(pollOperation, POLL_MS);
  }

  function followDoor(op, status, compartment) {
    const moved = Boolean(compartment) && compartment !== op.compartment;
    if (!moved && status === op.status) return;
    if (moved) {
      op.compartment = compartment;
      op.moved = true;
    }
    op.status = status;
    showDoor();
  }

  function offerReopen(op, status) {
    if (op.status === status) return;
    op.status = status;
    op.leaving = false;
    showDetail("");
    showMessage("error", fill(T[REOPENABLE[status]], { c: op.compartment }), op.compartment);
    bilingual($("btn-reopen"), fill(T.reopen_button, { c: op.compartment }));
    $("btn-reopen").hidden = false;
    resetIdle();
  }

  async function reopen() {
    const op = state.op;
    if (!op || !op.waiting || !REOPENABLE[op.status]) return;
    $("btn-reopen").hidden = true;
    let result = null;
    try {
      result = await api("POST", `${recordPath(op)}/reopen`);
    } catch (err) {
      result = null;
    }
    if (state.op !== op) return;
    if (!result || result.status !== 200 || !result.body) {
      $("btn-reopen").hidden = false;
      return result ? showApiMessage(result.body, "error") : showKioskError(T.offline);
    }
    op.status = result.body.status;
    op.moved = false;
    showDoor();
    resetIdle();
  }

  function endFlow(op) {
    api("POST", `${recordPath(op)}/end`).catch(() => {});
  }

  function finish(kind, pair, apiBody) {
    const op = state.op;
    op.waiting = false;  // the page stays "busy" until it is back home, so a scan cannot open a door unseen
    $("btn-reopen").hidden = true;
    showDetail("");
    if (!pair) showApiMessage(apiBody, "error");
    else if (kind === "error") showKioskError(pair);
    else showMessage(kind, pair);
    $("btn-retry").hidden = kind === "success" || op.kind === "scan";
    resetIdle();
  }

  // "Back to start" while a door is (being) opened warns first; a second tap leaves.
  function backToStart() {
    const op = state.op;
    if (!op || !op.waiting || !WAITING.has(op.status) || op.leaving) return goHome();
    op.leaving = true;
    showDetail(tr("leave_warning", { c: op.compartment }), true);
  }

  function showDetail(text, warning) {
    $("status-detail").textContent = text;
    $("status-detail").classList.toggle("warning", Boolean(warning));
  }

  // ---- what can start at the cabinet -----------------------------------------------------

  async function pollAvailability() {
    let result = null;
    try {
      result = await api("GET", "/api/v1/kiosk/availability");
    } catch (err) {
      result = null;
    }
    if (!result || result.status !== 200 || !result.body) return;
    state.availability = result.body;
    showAvailability();
  }

  function showAvailability() {
    const found = state.availability;
    if (!found) return;
    $("btn-dropoff").disabled = !found.dropoff.available;
    $("btn-pickup").disabled = !found.pickup.available;
    $("scan-hint").hidden = !found.pickup.available;
    const notice = $("home-notice");
    notice.hidden = !found.notices.length;
    if (!found.notices.length) return;
    const lines = found.notices.map((n) => [n.vi, n.en]).concat([[found.contact.vi, found.contact.en]]);
    notice.replaceChildren(...lines.map((pair) => {
      const line = document.createElement("p");
      line.className = "bi";
      bilingual(line, pair);
      return line;
    }));
  }

  // Sizes no compartment can take now are not offered.
  function offerSizes() {
    const sizes = (state.availability && state.availability.dropoff.sizes) || {};
    for (const button of document.querySelectorAll(".size")) button.disabled = Boolean(sizes[button.dataset.size]);
  }

  // ---- the QR scanner while idle ------------------------------------------------------

  async function pollActivity() {
    let result = null;
    try {
      result = await api("GET", "/api/v1/kiosk/activity");
    } catch (err) {
      result = null;
    }
    if (result && result.status === 200 && result.body) {
      showDoorsLeftOpen(result.body.doors_left_open || []);
      if (result.body.presence && body.classList.contains("asleep")) resetIdle();
    }
    if (state.screen !== "home" || !result || result.status !== 200 || !result.body) return;
    const scan = result.body.last_scan;
    const key = scan ? JSON.stringify(scan) : "";
    if (state.lastScan === null || key === state.lastScan) {
      state.lastScan = key;  // the first answer on the home screen is the baseline, not news
      return;
    }
    state.lastScan = key;
    if (scan.ok && scan.pickup && scan.pickup.id) return startWaiting("pickup", scan.pickup);
    showScanError(scan.error);
  }

  // A door left open: ask whoever is at the cabinet to close it, on every screen.
  function showDoorsLeftOpen(labels) {
    const alert = $("door-alert");
    if (!labels.length) {
      alert.hidden = true;
      return;
    }
    const list = labels.join(", ");
    alert.querySelector(".vi").textContent = `Vui lòng đóng cửa ngăn ${list}`;
    alert.querySelector(".en").textContent = `Please close compartment door ${list}`;
    alert.hidden = false;
  }

  function showScanError(code) {
    stopTimers();
    state.op = { kind: "scan", waiting: false };
    $("btn-retry").hidden = true;
    showDetail("");
    show("status");
    setMode("busy");
    const key = `scan_${code}`;
    showKioskError(T[key] || T.scan_other);
  }

  // ---- language -----------------------------------------------------------------------

  function setLang(lang) {
    state.lang = lang;
    document.documentElement.lang = lang;
    document.documentElement.dataset.lang = lang;
    $("btn-lang").textContent = T.lang_button[lang === "en" ? 1 : 0];
    renderKeyboard();
  }

  // ---- wiring -------------------------------------------------------------------------

  function wire() {
    $("btn-dropoff").addEventListener("click", () => openForm("dropoff"));
    $("btn-pickup").addEventListener("click", () => openForm("pickup"));
    $("btn-back").addEventListener("click", goHome);
    $("btn-home").addEventListener("click", backToStart);
    $("btn-reopen").addEventListener("click", reopen);
    $("btn-retry").addEventListener("click", () => {
      const flow = state.op && state.op.kind === "dropoff" ? "dropoff" : "pickup";
      openForm(flow);
    });
    $("btn-lang").addEventListener("click", () => setLang(state.lang === "vi" ? "en" : "vi"));
    $("form").addEventListener("submit", submit);
    for (const button of document.querySelectorAll(".size")) {
      button.addEventListener("click", () => selectSize(button.dataset.size));
    }
    for (const input of document.querySelectorAll("#form input")) {
      input.addEventListener("focus", () => { if (state.activeInput !== input) focusInput(input); });
      input.addEventListener("input", () => cleanInput(input));
    }
    const board = $("keyboard");
    // Keep the focus (and the caret) in the field while keys are tapped.
    board.addEventListener("pointerdown", (event) => event.preventDefault());
    board.addEventListener("click", (event) => {
      const key = event.target.closest("[data-key]");
      if (key) pressKey(key.dataset.key);
    });
    for (const type of ["pointerdown", "keydown", "input"]) document.addEventListener(type, resetIdle, true);
    setInterval(() => setMode(state.mode), MODE_REFRESH_MS);
    setInterval(pollActivity, ACTIVITY_MS);
    setInterval(() => { if (state.screen === "home") pollAvailability(); }, AVAILABILITY_MS);
  }

  wire();
  goHome();
})();
