/* The simulator page's cabinet panel: the GPIO inputs a technician can switch (power
 * failure, battery low, tamper, service door, presence), the outputs (LED tower,
 * buzzer), and on each compartment tile its size and what the service says of it.
 * sim.js announces every state it reads with a "sim:state" event. */
"use strict";

(function () {
  const COMPARTMENTS_MS = 1000;
  const INPUTS = {
    power_fail: ["Mất điện lưới", "Mains power failed"],
    battery_low: ["Pin yếu", "Battery low"],
    tamper: ["Phá tủ (tamper)", "Tamper"],
    service_door: ["Cửa kỹ thuật mở", "Service door open"],
    presence: ["Có người trước tủ", "Someone in front"],
  };
  const OUTPUTS = {
    led_green: ["Đèn xanh", "Green light"], led_amber: ["Đèn vàng", "Amber light"],
    led_red: ["Đèn đỏ", "Red light"], buzzer: ["Còi", "Buzzer"],
  };
  const STATES = {
    free: ["Trống", "free"], reserved: ["Đang giữ chỗ", "reserved"],
    holding_dropoff: ["Có hồ sơ nộp", "holds a drop-off"], holding_result: ["Có kết quả", "holds a result"],
    out_of_service: ["Ngừng sử dụng", "out of service"],
  };
  const $ = (id) => document.getElementById(id);
  let lastCompartments = 0;
  const pending = new Set();

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function words(table, name) {
    const found = table[name];
    return found ? `${found[0]} / ${found[1]}` : name;
  }

  function showError(message) {
    $("alert-text").textContent = `Lỗi / Error: ${message}`;
    $("alert").hidden = false;
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error((data && data.message) || `HTTP ${response.status}`);
    return data;
  }

  async function toggle(name, active) {
    pending.add(name);
    try {
      await post("gpio", { name, active: !active });
      $("notice").textContent = `${words(INPUTS, name)}: ${!active ? "bật / on" : "tắt / off"}`;
    } catch (err) {
      showError(err.message);
    } finally {
      pending.delete(name);
    }
  }

  function renderGpio(gpio) {
    const inputs = [];
    const outputs = [];
    for (const [name, pin] of Object.entries(gpio || {})) {
      if (pin.kind === "input" && INPUTS[name]) {
        const button = el("button", { type: "button", "data-testid": `gpio-${name}`,
                                      "data-active": String(pin.active), "aria-pressed": String(pin.active),
                                      class: pin.active ? "gpio-on" : "gpio-off" },
                          `${words(INPUTS, name)}: ${pin.active ? "BẬT / ON" : "tắt / off"}`);
        button.disabled = pending.has(name);
        button.addEventListener("click", () => toggle(name, pin.active));
        inputs.push(button);
      } else if (pin.kind === "output") {
        outputs.push(el("span", { class: `chip ${pin.active ? "gpio-on" : "gpio-off"}`,
                                  "data-testid": `gpio-${name}`, "data-active": String(pin.active) },
                        `${words(OUTPUTS, name)}: ${pin.active ? "BẬT / ON" : "tắt / off"}`));
      }
    }
    $("gpio-inputs").replaceChildren(...inputs);
    $("gpio-outputs").replaceChildren(...outputs);
    if (!inputs.length) $("gpio-inputs").textContent = "Không có GPIO / no GPIO";
  }

  function tilePart(tile, name) {
    let part = tile.querySelector(`.${name}`);
    if (!part) {
      part = el("p", { class: `line ${name}`, "data-testid": `${name}-${tile.dataset.board}-${tile.dataset.lock}` });
      tile.querySelector("header").after(part);
    }
    return part;
  }

  function renderCompartments(answer) {
    const link = {
      ok: "Trạng thái theo dịch vụ / state as the service sees it",
      unreachable: "Không đọc được trạng thái của dịch vụ / the service's state is unavailable",
      absent: "Chưa nối với dịch vụ (--service) / not linked to a service (--service)",
    };
    $("service-link").textContent = link[answer.service] || "";
    for (const room of answer.compartments) {
      const tile = document.querySelector(`[data-testid="tile-${room.board}-${room.lock}"]`);
      if (!tile) continue;
      if (room.size) tilePart(tile, "size").textContent = `Cỡ / size ${room.size}`;
      const service = tilePart(tile, "service");
      tile.dataset.service = room.service ? room.service.state : "";
      service.textContent = room.service
        ? `${words(STATES, room.service.state)}${room.service.dossier_code ? " · " + room.service.dossier_code : ""}`
        : "";
    }
  }

  async function refreshCompartments() {
    if (Date.now() - lastCompartments < COMPARTMENTS_MS) return;
    lastCompartments = Date.now();
    try {
      const response = await fetch("compartments", { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.ok) renderCompartments(await response.json());
    } catch (err) {
      $("service-link").textContent = "Không đọc được trạng thái / state unavailable";
    }
  }

  document.addEventListener("sim:state", (event) => {
    renderGpio(event.detail.gpio);
    refreshCompartments();
  });
})();
