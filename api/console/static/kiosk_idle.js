// A clerk signed in on the kiosk's screen (badge and PIN): after data-kiosk-idle seconds without a
// touch or a key, sign out, which brings the kiosk's page back for the next citizen.
(function () {
  "use strict";
  const seconds = Number(document.body.dataset.kioskIdle);
  const form = document.getElementById("sign-out-form");
  if (!seconds || !form) return;
  let timer = null;
  const restart = () => {
    clearTimeout(timer);
    timer = setTimeout(() => form.submit(), seconds * 1000);
  };
  for (const type of ["pointerdown", "keydown", "input", "scroll"]) document.addEventListener(type, restart, true);
  restart();
})();
