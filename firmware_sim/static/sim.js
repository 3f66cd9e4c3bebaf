/* The simulator page: the cabinet's boards, the scanner, faults and the frame log.
 * Every URL is relative to the page (/sim/), so the page works wherever the control
 * API is mounted. No library, no build step. */
"use strict";

(function () {
  const POLL_MS = 500;
  const LOG_ROWS = 40;
  const FRAME_BATCH = 1000;
  const SCAN_HISTORY = 6;

  const FAULT_NAMES = {
    no_reply: ["Không trả lời", "no reply"],
    offline: ["Bo mạch tắt", "board offline"],
    lost_reply: ["Mất câu trả lời", "lost reply"],
    slow: ["Trả lời chậm", "slow reply"],
    bad_checksum: ["Sai tổng kiểm tra", "bad checksum"],
    junk: ["Byte rác trước câu trả lời", "junk bytes"],
    drop_bytes: ["Rơi byte", "dropped bytes"],
    jam: ["Kẹt chốt", "jammed latch"],
    clear: ["Xóa mọi lỗi", "clear all"],
    out_of_paper: ["Hết giấy", "out of paper"],
  };
  const RECEIPTS_SHOWN = 5;

  const view = {
    tiles: new Map(),      // "board:lock" -> {root, parts}
    boardHeads: new Map(), // board -> element listing the faults that reach it
    lastFrame: 0,
    firstFrameNs: null,
    frames: [],
    paused: false,
    maxLock: 0,
    lastReceipt: 0,
    lastSms: 0,
  };

  const $ = (id) => document.getElementById(id);

  /* ---- small DOM helpers ------------------------------------------------------ */

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  /** Vietnamese first, English second, as two spans. */
  function bi(vi, en) {
    return [el("span", { class: "vi", text: vi }), " ", el("span", { class: "en", text: en })];
  }

  function setBi(node, vi, en) {
    node.replaceChildren(...bi(vi, en));
  }

  function faultName(kind) {
    const names = FAULT_NAMES[kind];
    return names ? `${names[0]} / ${names[1]} (${kind})` : kind;
  }

  /* ---- the control API -------------------------------------------------------- */

  class ApiError extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
    }
  }

  async function api(method, path, body) {
    const init = { method, headers: { Accept: "application/json" }, cache: "no-store" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      throw new ApiError("network", "Không kết nối được với bộ mô phỏng / Cannot reach the simulator");
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok) {
      const code = (data && data.error) || `http_${response.status}`;
      const message = (data && data.message) || `Lỗi HTTP ${response.status} / HTTP error ${response.status}`;
      throw new ApiError(code, message);
    }
    if (data === null) throw new ApiError("bad_response", "Câu trả lời không hợp lệ / Invalid answer");
    return data;
  }

  /* ---- messages --------------------------------------------------------------- */

  function showError(err) {
    const code = err && err.code ? ` [${err.code}]` : "";
    $("alert-text").textContent = `Lỗi / Error${code}: ${err && err.message ? err.message : err}`;
    $("alert").hidden = false;
  }

  function notify(vi, en) {
    $("notice").textContent = `${vi} / ${en}`;
  }

  function setLink(ok, err) {
    const link = $("link");
    link.classList.toggle("link-ok", ok);
    link.classList.toggle("link-bad", !ok);
    link.classList.remove("link-wait");
    if (ok) setBi(link, "Đang cập nhật", "Live");
    else link.replaceChildren(...bi("Mất kết nối", "Disconnected"), `: ${err.message}`);
  }

  /** Run an action; show its error in the page; re-enable its buttons afterwards. */
  async function act(buttons, work) {
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await work();
    } catch (err) {
      showError(err);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  /* ---- the boards ------------------------------------------------------------- */

  function tileName(board, entry) {
    return entry.label ? entry.label : `B${board}·K${entry.lock}`;
  }

  function buildTile(board, lock) {
    const parts = {
      label: el("strong", { class: "label" }),
      addr: el("span", { class: "addr", text: `B${board} · K${lock}`,
                         title: `Bo mạch ${board}, khóa ${lock} / board ${board}, lock ${lock}` }),
      door: el("p", { class: "chip door" }),
      latch: el("p", { class: "line latch" }),
      item: el("p", { class: "line item" }),
      jam: el("p", { class: "chip jam", hidden: "" }, bi("KẸT CHỐT", "JAMMED")),
      doorButton: el("button", { type: "button", "data-action": "door" }),
      itemButton: el("button", { type: "button", "data-action": "item" }),
    };
    const root = el("article", { class: "tile", "data-testid": `tile-${board}-${lock}`,
                                 "data-board": String(board), "data-lock": String(lock) }, [
      el("header", {}, [parts.label, parts.addr]),
      parts.door, parts.latch, parts.item, parts.jam,
      el("div", { class: "actions" }, [parts.doorButton, parts.itemButton]),
    ]);
    const tile = { root, parts, board, lock, entry: null };
    parts.doorButton.addEventListener("click", () => doorClicked(tile));
    parts.itemButton.addEventListener("click", () => itemClicked(tile));
    return tile;
  }

  function buildBoard(board) {
    const faults = el("span", { class: "board-faults", "data-testid": `board-faults-${board.address}` });
    const grid = el("div", { class: "grid" });
    for (const entry of board.locks) {
      const tile = buildTile(board.address, entry.lock);
      view.tiles.set(`${board.address}:${entry.lock}`, tile);
      grid.append(tile.root);
      view.maxLock = Math.max(view.maxLock, entry.lock);
    }
    view.boardHeads.set(board.address, faults);
    return el("section", { class: "board", "data-testid": `board-${board.address}` }, [
      el("h3", {}, [...bi(`Bo mạch ${board.address}`, `Board ${board.address}`), " ", faults]),
      grid,
    ]);
  }

  function renderTile(tile, entry) {
    const { root, parts } = tile;
    tile.entry = entry;
    const open = entry.door === "open";
    root.dataset.door = entry.door;
    root.dataset.latched = String(entry.latched);
    root.dataset.item = String(entry.item);
    root.dataset.jammed = String(entry.jammed);
    root.classList.toggle("is-open", open);
    root.classList.toggle("is-jammed", entry.jammed);
    root.setAttribute("aria-label", `${tileName(tile.board, entry)}: ${open ? "cửa mở / door open" : "cửa đóng / door closed"}`);
    parts.label.textContent = entry.label || "—";
    parts.door.classList.toggle("door-open", open);
    if (open) setBi(parts.door, "CỬA MỞ", "OPEN");
    else setBi(parts.door, "Cửa đóng", "closed");
    if (entry.latched) setBi(parts.latch, "Chốt khóa", "latched");
    else setBi(parts.latch, "Chốt nhả", "released");
    parts.item.classList.toggle("has-item", entry.item);
    if (entry.item) setBi(parts.item, "Có đồ", "item");
    else setBi(parts.item, "Trống", "empty");
    parts.jam.hidden = !entry.jammed;
    if (open) setBi(parts.doorButton, "Đóng cửa", "Close");
    else if (entry.latched) setBi(parts.doorButton, "Ép mở", "Force open");
    else setBi(parts.doorButton, "Mở cửa", "Open");
    parts.doorButton.classList.toggle("force", !open && entry.latched);
    if (entry.item) setBi(parts.itemButton, "Lấy ra", "Take out");
    else setBi(parts.itemButton, "Cho vào", "Put in");
  }

  function renderState(state) {
    const boards = $("boards");
    if (view.tiles.size === 0) {
      boards.replaceChildren(...state.boards.map(buildBoard));
      fillBoardChoices(state.boards.map((board) => board.address));
      fillLockChoices();
    }
    for (const board of state.boards) {
      for (const entry of board.locks) {
        const tile = view.tiles.get(`${board.address}:${entry.lock}`);
        if (tile) renderTile(tile, entry);
      }
    }
    document.dispatchEvent(new CustomEvent("sim:state", { detail: state }));
  }

  async function doorClicked(tile) {
    const entry = tile.entry;
    const name = tileName(tile.board, entry);
    const action = entry.door === "open" ? "close" : "open";
    if (action === "open" && entry.latched &&
        !window.confirm(`Cửa ${name} đang khóa chốt. Mở cưỡng bức?\n` +
                        `${name} is latched. Force the door open?`)) {
      return;
    }
    const buttons = [tile.parts.doorButton, tile.parts.itemButton];
    await act(buttons, async () => {
      const answer = await api("POST", "door", { board: tile.board, lock: tile.lock, action });
      renderTile(tile, answer);
      if (action === "close") notify(`Đã đóng cửa ${name}`, `closed ${name}`);
      else if (answer.forced) notify(`Đã mở cưỡng bức ${name}`, `forced ${name} open`);
      else notify(`Đã mở cửa ${name}`, `opened ${name}`);
    });
  }

  async function itemClicked(tile) {
    const name = tileName(tile.board, tile.entry);
    const present = !tile.entry.item;
    await act([tile.parts.doorButton, tile.parts.itemButton], async () => {
      renderTile(tile, await api("POST", "item", { board: tile.board, lock: tile.lock, present }));
      if (present) notify(`Đã cho đồ vào ${name}`, `put an item into ${name}`);
      else notify(`Đã lấy đồ ra khỏi ${name}`, `took the item out of ${name}`);
    });
  }

  /* ---- faults ----------------------------------------------------------------- */

  function fillFaultChoices(index) {
    const kinds = $("fault-kind");
    kinds.replaceChildren(...index.fault_kinds.map((kind) => el("option", { value: kind, text: faultName(kind) })));
  }

  /** Board addresses come from the state: some board families do not start at 0. */
  function fillBoardChoices(addresses) {
    const boards = [el("option", { value: "", text: "Cả đường truyền / whole bus" })];
    for (const b of addresses) boards.push(el("option", { value: String(b), text: `Bo mạch / board ${b}` }));
    $("fault-board").replaceChildren(...boards);
  }

  function fillLockChoices() {
    const locks = [el("option", { value: "", text: "Mọi khóa / every lock" })];
    for (let n = 1; n <= view.maxLock; n += 1) locks.push(el("option", { value: String(n), text: `Khóa / lock ${n}` }));
    $("fault-lock").replaceChildren(...locks);
  }

  function faultText(fault) {
    const scope = fault.target === "printer" ? "máy in / printer"
      : fault.target === "scanner" ? "máy quét / scanner"
      : fault.board === null || fault.board === undefined
      ? "cả đường truyền / whole bus"
      : `bo mạch / board ${fault.board}` + (fault.lock ? `, khóa / lock ${fault.lock}` : "");
    const count = fault.count ? `, còn / left: ${fault.count}` : "";
    return `${faultName(fault.kind)}: ${scope}${count}`;
  }

  function renderFaults(faults) {
    const list = $("fault-list");
    const items = faults.map((f) => el("li", { "data-kind": f.kind, text: faultText(f) }));
    if (items.length === 0) items.push(el("li", { class: "muted", text: "Không có lỗi nào / No active faults" }));
    list.replaceChildren(...items);
    for (const [board, head] of view.boardHeads) {
      const reaching = faults.filter((f) => f.kind !== "jam" && (f.board === null || f.board === board));
      head.replaceChildren(...reaching.map((f) => el("span", { class: "chip fault", text: f.kind })));
    }
  }

  function optionalNumber(value) {
    return value === "" ? null : Number(value);
  }

  async function injectFault(event) {
    event.preventDefault();
    const form = event.target;
    const count = $("fault-count").value.trim();
    const body = {
      kind: $("fault-kind").value,
      board: optionalNumber($("fault-board").value),
      lock: optionalNumber($("fault-lock").value),
      count: /^\d+$/.test(count) ? Number(count) : count,
    };
    if (body.kind === "unplug" || body.kind === "replug") {
      body.target = $("fault-target").value;  // what is unplugged; a board or lock makes no sense here
      body.board = null;
      body.lock = null;
    }
    await act([...form.querySelectorAll("button")], async () => {
      renderFaults((await api("POST", "fault", body)).faults);
      notify(`Đã gây lỗi ${body.kind}`, `injected ${body.kind}`);
    });
  }

  async function clearFaults() {
    await act([$("fault-clear")], async () => {
      renderFaults((await api("POST", "fault", { kind: "clear" })).faults);
      notify("Đã xóa mọi lỗi", "cleared every fault");
    });
  }

  /* ---- receipt printer ------------------------------------------------------- */

  async function printerFault(button) {
    const kind = button.dataset.printerFault;
    await act([button], async () => {
      renderFaults((await api("POST", "fault", { kind, target: "printer" })).faults);
      notify(`Máy in: ${kind}`, `printer: ${kind}`);
    });
  }

  function renderPrinter(printer) {
    if (!printer) return;
    const fault = printer.fault ? faultName(printer.fault) : "bình thường / working";
    $("printer-state").textContent = `${printer.width} dots · ${fault} · đã in / printed: ${printer.printed}`;
  }

  async function pollReceipts() {
    const batch = await api("GET", `receipts?after=${view.lastReceipt}`);
    if (batch.length === 0) return;
    view.lastReceipt = batch[batch.length - 1].n;
    const list = $("receipts");
    if (list.querySelector(".muted")) list.replaceChildren();
    for (const receipt of batch) {
      const image = el("img", { src: `data:image/png;base64,${receipt.png_base64}`, alt: receipt.text || `#${receipt.n}`,
                                "data-n": String(receipt.n) });
      list.prepend(el("li", { "data-testid": "receipt" }, [el("time", { text: `#${receipt.n} ${receipt.time}` }), image]));
    }
    while (list.children.length > RECEIPTS_SHOWN) list.lastElementChild.remove();
  }

  async function pollSms() {
    const batch = await api("GET", `sms?after=${view.lastSms}`);
    if (batch.length === 0) return;
    view.lastSms = batch[batch.length - 1].n;
    const list = $("sms-list");
    if (list.querySelector(".muted")) list.replaceChildren();
    for (const sms of batch) {
      const time = new Date(sms.time * 1000).toLocaleTimeString("vi-VN");
      list.prepend(el("li", { "data-testid": "sms" }, [el("time", { text: `#${sms.n} ${time} → ${sms.to}` }),
                                                       el("pre", { text: sms.text })]));
    }
    while (list.children.length > RECEIPTS_SHOWN) list.lastElementChild.remove();
  }

  /* ---- scanner ---------------------------------------------------------------- */

  async function scan(event) {
    event.preventDefault();
    const input = $("scan-data");
    await act([...event.target.querySelectorAll("button")], async () => {
      const answer = await api("POST", "scan", { data: input.value });
      const history = $("scan-history");
      const time = new Date().toLocaleTimeString("vi-VN");
      history.prepend(el("li", {}, [el("time", { text: time }), " ", el("code", { text: answer.data })]));
      while (history.children.length > SCAN_HISTORY) history.lastElementChild.remove();
      notify("Đã quét", "scanned");
      input.value = "";
    });
  }

  /* ---- frame log -------------------------------------------------------------- */

  function addFrames(batch) {
    if (batch.length === 0) return;
    if (view.firstFrameNs === null) view.firstFrameNs = batch[0].t_ns;
    view.frames.push(...batch);
    view.frames = view.frames.slice(-(LOG_ROWS + 1));
    view.lastFrame = batch[batch.length - 1].n;
    const rows = [];
    for (let i = view.frames.length - 1; i >= Math.max(0, view.frames.length - LOG_ROWS); i -= 1) {
      const frame = view.frames[i];
      const before = view.frames[i - 1];
      const delta = before ? ((frame.t_ns - before.t_ns) / 1e6).toFixed(1) : "";
      const toBoard = frame.dir === "host>board";
      rows.push(el("tr", { class: toBoard ? "to-board" : "to-host", "data-dir": frame.dir }, [
        el("td", { text: String(frame.n) }),
        el("td", { class: "dir", title: frame.dir, text: toBoard ? "→" : "←" }),
        el("td", { class: "num", text: ((frame.t_ns - view.firstFrameNs) / 1e6).toFixed(1) }),
        el("td", { class: "num", text: delta }),
        el("td", { class: "hex", text: frame.hex }),
      ]));
    }
    $("frame-log").replaceChildren(...rows);
  }

  async function pollFrames() {
    let batch = await api("GET", `frames?after=${view.lastFrame}&limit=${FRAME_BATCH}`);
    if (batch.length === FRAME_BATCH) {
      // Far behind (the log was paused or the bus is busy): jump to its tail.
      const index = await api("GET", "./");
      view.lastFrame = Math.max(view.lastFrame, index.last_frame - LOG_ROWS);
      batch = await api("GET", `frames?after=${view.lastFrame}&limit=${FRAME_BATCH}`);
    }
    addFrames(batch);
  }

  /* ---- polling ---------------------------------------------------------------- */

  async function tick() {
    try {
      const [state, faults] = await Promise.all([api("GET", "state"), api("GET", "faults")]);
      renderState(state);
      renderFaults(faults.faults);
      renderPrinter(state.printer);
      await pollReceipts();
      await pollSms();
      if (!view.paused) await pollFrames();
      setLink(true);
    } catch (err) {
      setLink(false, err);
    } finally {
      window.setTimeout(tick, POLL_MS);
    }
  }

  async function start() {
    let index;
    try {
      index = await api("GET", "./");
    } catch (err) {
      setLink(false, err);
      window.setTimeout(start, 2000);
      return;
    }
    $("summary").textContent = `${index.simulator} · ${index.boards} bo mạch / boards`;
    fillFaultChoices(index);
    view.lastFrame = Math.max(0, index.last_frame - LOG_ROWS);
    tick();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("alert-close").addEventListener("click", () => { $("alert").hidden = true; });
    $("scan-form").addEventListener("submit", scan);
    $("fault-form").addEventListener("submit", injectFault);
    $("fault-clear").addEventListener("click", clearFaults);
    for (const button of document.querySelectorAll("[data-printer-fault]")) {
      button.addEventListener("click", () => printerFault(button));
    }
    $("log-pause").addEventListener("change", (event) => { view.paused = event.target.checked; });
    start();
  });
})();
