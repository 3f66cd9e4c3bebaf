/* The console's live updates: one EventSource on /console/events/stream, shared by the
   page's scripts through window.lockerLive.on(type, handler) and follow(refresh) (read
   once at each (re)connection, and slowly while the stream is away); the status line says
   "Reconnecting…" meanwhile. New alarms show a banner and play a short sound (switchable,
   remembered in this browser). */
(function () {
  "use strict";
  const FALLBACK_MS = 15000;  // while the stream is away: the slow refresh of followed pages
  const REOPEN_MS = 10000;    // a refused stream (busy, signed out) is not retried by the browser
  const cfg = JSON.parse(document.getElementById("live-config").textContent);
  const handlers = {};
  const followers = [];
  let source = null;
  let fallback = null;
  let sounds = 0;
  const seen = new Set();

  function on(type, handler) {
    if (!handlers[type]) {
      handlers[type] = [];
      if (source) listen(source, type);
    }
    handlers[type].push(handler);
  }

  function listen(es, type) {
    es.addEventListener(type, function (event) {
      let data = null;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      (handlers[type] || []).forEach(function (handler) { handler(data); });
    });
  }

  function status(text, live) {
    const el = document.querySelector("[data-role=status]");
    if (el) { el.textContent = text; el.dataset.live = live ? "yes" : "no"; }
  }

  function refreshFollowers() {
    followers.forEach(function (refresh) { refresh(); });
  }

  function follow(refresh) {
    followers.push(refresh);
  }

  function connect() {
    source = new EventSource(cfg.stream);
    Object.keys(handlers).forEach(function (type) { listen(source, type); });
    source.onopen = function () {
      status(cfg.words.live, true);
      if (fallback !== null) { window.clearInterval(fallback); fallback = null; }
    };
    source.onerror = function () {
      status(cfg.words.offline, false);
      if (fallback === null) fallback = window.setInterval(refreshFollowers, FALLBACK_MS);
      if (source.readyState === EventSource.CLOSED) window.setTimeout(connect, REOPEN_MS);
    };
  }

  function soundOn() { return localStorage.getItem("locker.sound") !== "off"; }

  function showSoundToggle(blocked) {
    const button = document.querySelector("[data-testid=sound-toggle]");
    if (!button) return;
    button.textContent = blocked ? cfg.words.sound_blocked : (soundOn() ? cfg.words.sound_on : cfg.words.sound_off);
    button.dataset.sound = soundOn() ? "on" : "off";
  }

  function ring() {
    const audio = document.getElementById("alarm-sound");
    if (!audio || !soundOn()) return;
    audio.currentTime = 0;
    const played = audio.play();
    if (played && played.then) {
      played.then(function () {
        sounds += 1;
        document.body.dataset.alarmSounds = String(sounds);
      }).catch(function () { showSoundToggle(true); });
    }
  }

  function banner(alarm) {
    const box = document.querySelector("[data-testid=alarm-banner]");
    if (!box) return;
    const kind = cfg.kinds[alarm.kind] || alarm.kind;
    const place = alarm.compartment ? " · " + cfg.words.compartment + " " + alarm.compartment : "";
    box.querySelector("[data-role=text]").textContent = cfg.words.new_alarm + ": " + kind + place;
    box.dataset.alarmId = String(alarm.id);
    box.dataset.kind = alarm.kind;
    box.hidden = false;
  }

  function localTimes(root) {
    const locale = cfg.lang === "vi" ? "vi-VN" : "en-GB";
    (root || document).querySelectorAll("time[data-local-time]").forEach(function (el) {
      const when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) el.textContent = when.toLocaleString(locale, {timeZone: "Asia/Ho_Chi_Minh"});  // the office's time, as the server renders it
    });
  }

  on("hello", refreshFollowers);  // whatever changed while this page was not listening

  on("alarm", function (alarm) {
    if (alarm.state === "open" && !seen.has(alarm.id) && alarm.count === 1) {
      banner(alarm);
      ring();
    }
    seen.add(alarm.id);
  });

  document.addEventListener("DOMContentLoaded", function () { localTimes(); });
  const dismiss = document.querySelector("[data-role=dismiss]");
  if (dismiss) dismiss.addEventListener("click", function () { dismiss.parentElement.hidden = true; });
  const toggle = document.querySelector("[data-testid=sound-toggle]");
  if (toggle) toggle.addEventListener("click", function () {
    localStorage.setItem("locker.sound", toggle.dataset.sound === "on" && toggle.textContent !== cfg.words.sound_blocked ? "off" : "on");
    showSoundToggle(false);
    if (soundOn()) { const audio = document.getElementById("alarm-sound"); audio.play().then(function () { audio.pause(); }).catch(function () {}); }
  });
  showSoundToggle(false);
  localTimes();
  window.lockerLive = { on: on, follow: follow, localTimes: localTimes, words: cfg.words, lang: cfg.lang,
                        kinds: cfg.kinds };
  connect();
})();
