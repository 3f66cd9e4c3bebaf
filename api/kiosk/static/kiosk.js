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

  const T = {
    door_dropoff: ["Cửa ngăn {c} đã mở — đặt hồ sơ vào và đóng cửa", "Compartment {c} is open — put your dossier in and close the door"],
    door_pickup: ["Cửa ngăn {c} đã mở — lấy kết quả và đóng cửa", "Compartment {c} is open — take your result and close the door"],
    moved: ["Ngăn trước không mở được. ", "The first compartment did not open. "],
    stored: ["Đã nhận hồ sơ {d}. Xin cảm ơn!", "Your dossier {d} has been received. Thank you!"],
    collected: ["Ông/bà đã nhận kết quả hồ sơ {d}. Xin cảm ơn!", "You have collected the result of dossier {d}. Thank you!"],
    failed: ["Không mở được ngăn tủ. Vui lòng liên hệ cán bộ.", "The compartment could not be opened. Please contact a clerk."],
    cancelled: ["Lượt gửi hồ sơ đã bị huỷ.", "The drop-off was cancelled."],
    closed_empty: ["Không thấy hồ sơ trong ngăn {c}. Bấm “Thử lại” để mở lại ngăn và đặt hồ sơ vào.",
      "No dossier was seen in compartment {c}. Tap “Try again” to open it again and put your dossier in."],
    left_inside: ["Kết quả vẫn còn trong ngăn {c}. Bấm “Thử lại” để mở lại ngăn và lấy kết quả.",
      "The result is still in compartment {c}. Tap “Try again” to open it again and take your result."],
    uncollected: ["Kết quả vẫn ở trong tủ; mã nhận dùng được thêm một lần.", "The result stays in the locker; your pickup code works once more."],
    opening: ["Đang mở ngăn tủ…", "Opening a compartment…"],
    need_code: ["Vui lòng nhập mã hồ sơ.", "Please enter the dossier code."],
    need_phone: ["Vui lòng nhập số điện thoại.", "Please enter your phone number."],
    need_size: ["Vui lòng chọn cỡ hồ sơ.", "Please choose a size."],
    need_pickup_code: ["Mã nhận gồm đúng 8 chữ số.", "The pickup code has exactly 8 digits."],
    wait: ["Vui lòng chờ {s} giây rồi thử lại.", "Please wait {s} seconds and try again."],
    offline: ["Mất kết nối với tủ. Vui lòng thử lại hoặc liên hệ cán bộ.", "Lost connection to the locker. Please try again or contact a clerk."],
    error: ["Đã có lỗi. Vui lòng thử lại hoặc liên hệ cán bộ.", "Something went wrong. Please try again or contact a clerk."],
    scan_invalid_credentials: ["Mã QR không đúng, đã dùng hoặc đã hết hạn.", "The QR code is wrong, already used or expired."],
    scan_throttled: ["Nhập sai quá nhiều lần. Vui lòng thử lại sau.", "Too many failed attempts. Please try again later."],
    scan_badge_refused: ["Thẻ này không dùng được để đăng nhập.", "This badge cannot be used to sign in."],
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

  function showMessage(kind, pair, compartment) {
    const box = $("status-box");
    const msg = $("status-message");
    msg.replaceChildren();
    msg.className = "bi";
    for (const [cls, text] of [["vi", pair[0]], ["en", pair[1]]]) {
      if (!text) continue;
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = text;
      msg.append(span);
    }
    box.className = `status-box ${kind}`;
    box.hidden = false;
    const label = $("compartment-label");
    label.textContent = compartment || "";
    label.hidden = !compartment;
  }

  // A message from the API is in the page's language only.
  function showApiMessage(body, fallbackKey) {
    const text = body && typeof body.message === "string" ? body.message : tr(fallbackKey);
    showMessage("error", state.lang === "en" ? ["", text] : [text, ""]);
  }

  function hideMessage() {
    $("status-box").hidden = true;
    $("status-message").replaceChildren();
    $("compartment-label").hidden = true;
  }

  // ---- screens ------------------------------------------------------------------------

  function show(screen) {
    if (screen !== "status") $("receipt").hidden = true;
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
    stopTimers();
    endWaitingFlow();
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
  }

  function openForm(flow) {
    stopTimers();
    state.flow = flow;
    $("dropoff-fields").hidden = flow !== "dropoff";
    $("pickup-fields").hidden = flow !== "pickup";
    hideMessage();
    show("form");
    setMode("busy");
    focusInput($(flow === "dropoff" ? "dossier-code" : "pickup-dossier-code"));
  }

  function resetIdle() {
    clearTimeout(state.idleTimer);
    wake();
    const waiting = state.screen === "status" && state.op && state.op.waiting;
    const ms = { home: SLEEP_MS, form: INACTIVITY_MS, status: waiting ? DOOR_WAIT_MS : DONE_MS }[state.screen];
    state.idleTimer = setTimeout(state.screen === "home" ? sleep : goHome, ms);
  }

  function sleep() {
    body.classList.add("asleep");
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

  function formProblem() {
    const v = (id) => $(id).value.trim();
    if (state.flow === "dropoff") {
      if (!v("dossier-code")) return ["need_code", "dossier-code"];
      if (!v("phone")) return ["need_phone", "phone"];
      if (!state.size) return ["need_size", null];
      return null;
    }
    if (!v("pickup-dossier-code")) return ["need_code", "pickup-dossier-code"];
    if (!/^[0-9]{8}$/.test(v("pickup-code"))) return ["need_pickup_code", "pickup-code"];
    return null;
  }

  async function submit(event) {
    event.preventDefault();
    if (state.submitting || $("submit").disabled) return;
    const problem = formProblem();
    if (problem) {
      showMessage("error", T[problem[0]]);
      refocus(problem[1]);
      return;
    }
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
    if (!result) return showMessage("error", T.offline);
    if (result.status === 201 && result.body) return startWaiting(state.flow, result.body);
    showApiMessage(result.body, "error");
    refocus(result.body && FIELDS[state.flow][result.body.field]);
    if (result.status === 429) countdown(parseInt(result.headers.get("Retry-After"), 10) || 30);
  }

  // After an error the caret goes back to the field at fault, or to the field the keys type into
  // (tapping "submit" took the focus away, and with it the highlight a citizen looks for).
  function refocus(fieldId) {
    if (fieldId) focusInput($(fieldId));
    else if (state.activeInput) state.activeInput.focus();
  }

  function countdown(seconds) {
    const started = Date.now();
    const submitButton = $("submit");
    submitButton.disabled = true;
    const detail = document.createElement("span");
    detail.className = "countdown";
    $("status-message").append(detail);
    const tick = () => {
      const left = Math.max(0, seconds - Math.floor((Date.now() - started) / 1000));
      detail.textContent = left ? ` ${tr("wait", { s: String(left) })}` : "";
      if (!left) {
        clearInterval(state.countdownTimer);
        submitButton.disabled = false;
      }
    };
    clearInterval(state.countdownTimer);
    state.countdownTimer = setInterval(tick, 1000);
    tick();
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

  function startWaiting(kind, op) {
    stopTimers();
    state.op = { kind, id: op.id, compartment: op.compartment, waiting: true, moved: false, failures: 0 };
    $("btn-retry").hidden = true;
    $("status-detail").textContent = "";
    show("status");
    setMode("busy");
    showDoor();
    state.pollTimer = setTimeout(pollOperation, POLL_MS);
  }

  // A door closed on the wrong contents (item sensors): open the same compartment again,
  // or, when the person goes back to start, end the flow so the service need not wait.
  async function reopen(op) {
    const path = `/api/v1/${op.kind === "dropoff" ? "dropoffs" : "pickups"}/${op.id}/reopen`;
    let result = null;
    try {
      result = await api("POST", path, {});
    } catch (err) {
      result = null;
    }
    if (state.op !== op) return;
    if (result && result.status === 200 && result.body) return startWaiting(op.kind, result.body);
    if (!result) return showMessage("error", T.offline);
    showApiMessage(result.body, "error");
  }

  function endWaitingFlow() {
    const op = state.op;
    if (!op || !op.reopenable || op.kind === "scan") return;
    api("POST", `/api/v1/${op.kind === "dropoff" ? "dropoffs" : "pickups"}/${op.id}/end`, {}).catch(() => {});
  }

  function showDoor() {
    const op = state.op;
    const door = fill(T[op.kind === "dropoff" ? "door_dropoff" : "door_pickup"], { c: op.compartment || "" });
    const pair = op.moved ? door.map((text, i) => T.moved[i] + text) : door;
    showMessage("info", pair, op.compartment);
  }

  async function pollOperation() {
    const op = state.op;
    if (!op || !op.waiting) return;
    let result = null;
    try {
      result = await api("GET", `/api/v1/${op.kind === "dropoff" ? "dropoffs" : "pickups"}/${op.id}`);
    } catch (err) {
      result = null;
    }
    if (state.op !== op) return;
    if (!result || result.status >= 500) {
      op.failures += 1;
      if (op.failures === 5) $("status-detail").textContent = tr("offline");
    } else if (result.status !== 200 || !result.body) {
      return finish("error", null, result.body);
    } else {
      op.failures = 0;
      $("status-detail").textContent = "";
      const st = result.body.status;
      if (st === "closed_empty" || st === "left_inside") {
        if (op.closedOn !== st) {
          op.closedOn = st;
          op.reopenable = op.kind !== "scan";  // the scanner's pickups belong to no kiosk page
          showMessage("error", fill(T[st], { c: op.compartment || "" }), op.compartment);
          $("btn-retry").hidden = !op.reopenable;
        }
      } else if (st === "opening" || st === "door_open") {
        op.closedOn = null;
        op.reopenable = false;
        if (result.body.compartment && result.body.compartment !== op.compartment) {
          op.compartment = result.body.compartment;
          op.moved = true;
          showDoor();
        }
      } else if (st === "stored" || st === "collected") {
        showReceipt(op, result.body.receipt, 0);
        return finish("success", fill(T[op.kind === "dropoff" ? "stored" : "collected"], { d: result.body.dossier_code }));
      } else {
        return finish("error", T[st === "cancelled" || st === "uncollected" ? st : "failed"]);
      }
    }
    state.pollTimer = setTimeout(pollOperation, POLL_MS);
  }

  function finish(kind, pair, apiBody) {
    const op = state.op;
    op.waiting = false;  // the page stays "busy" until it is back home, so a scan cannot open a door unseen
    if (pair) showMessage(kind, pair);
    else showApiMessage(apiBody, "error");
    $("btn-retry").hidden = kind === "success" || op.kind === "scan";
    resetIdle();
  }

  // ---- the receipt -------------------------------------------------------------------
  // Printed after a drop-off or pickup; when the printer cannot print it (or there is none) it is shown here.

  const RECEIPT_T = {
    printed: ["Biên nhận đã được in — mời lấy ở khe máy in.", "Your receipt has been printed — take it from the printer."],
    not_printed: ["Máy in không in được. Đây là biên nhận của bạn; biên nhận cũng đã được gửi qua SMS.",
                  "The printer could not print. Here is your receipt; it was also sent to you by SMS."],
    no_printer: ["Biên nhận của bạn (thông tin cũng đã được gửi qua SMS):", "Your receipt (the details were also sent to you by SMS):"],
  };

  function showReceipt(op, receipt, tries) {
    if (state.op !== op || !receipt) return;
    if (receipt.status === "printing") {
      if (tries < 20) setTimeout(() => refreshReceipt(op, receipt, tries + 1), POLL_MS);
      return;
    }
    const note = $("receipt-note");
    note.replaceChildren();
    RECEIPT_T[receipt.status in RECEIPT_T ? receipt.status : "not_printed"].forEach((text, i) => {
      const span = document.createElement("span");
      span.className = i ? "en" : "vi";
      span.textContent = text;
      note.append(span);
    });
    const onScreen = receipt.status !== "printed";
    $("receipt-lines").textContent = onScreen ? receipt.lines.join("\n") : "";
    $("receipt-lines").hidden = !onScreen;
    $("receipt-qr").hidden = !onScreen;
    if (onScreen) $("receipt-qr").src = receipt.qr_image;
    $("receipt").hidden = false;
  }

  async function refreshReceipt(op, receipt, tries) {
    let result = null;
    try {
      result = await api("GET", `/api/v1/${op.kind === "dropoff" ? "dropoffs" : "pickups"}/${op.id}`);
    } catch (err) {
      result = null;
    }
    const fresh = result && result.status === 200 && result.body && result.body.receipt;
    showReceipt(op, fresh || receipt, tries);
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
    if (scan.ok && scan.badge && scan.badge.ticket) {  // a clerk's badge: its PIN signs in to the console
      window.location.assign(`/login/badge/${encodeURIComponent(scan.badge.ticket)}`);
      return;
    }
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
    $("status-detail").textContent = "";
    show("status");
    setMode("busy");
    const key = `scan_${code}`;
    showMessage("error", T[key] || T.scan_other);
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
    $("btn-home").addEventListener("click", goHome);
    $("btn-retry").addEventListener("click", () => {
      if (state.op && state.op.reopenable) return reopen(state.op);
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
  }

  wire();
  goHome();
})();
