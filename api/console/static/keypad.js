// The PIN keypad on the kiosk's touch screen: digits into the PIN field, OK submits.
(function () {
  "use strict";
  const pad = document.querySelector(".keypad");
  const field = document.getElementById("pin");
  if (!pad || !field) return;
  pad.hidden = false;
  pad.addEventListener("pointerdown", (event) => event.preventDefault());  // keep the focus in the field
  pad.addEventListener("click", (event) => {
    const key = event.target.closest("[data-key]");
    if (!key) return;
    const value = key.dataset.key;
    if (value === "OK") {
      field.form.requestSubmit();
    } else if (value === "⌫") {
      field.value = field.value.slice(0, -1);
    } else if (field.value.length < 8) {
      field.value += value;
    }
    field.focus();
  });
})();
