// Times in the reader's own time zone. The server writes <time datetime="2026-12-02T20:26:00Z" data-local>
// with a text in UTC ("2026-12-02 20:26 UTC, in 8 h", src/pages/time.rs); this rewrites the text in the
// browser's zone ("20:26, in 8 h") and keeps the time left current. Without it, the UTC text stands.
// It also counts down [data-countdown] to the second (the setup window).
(function () {
  "use strict";

  function distance(ms) {
    var s = Math.round(ms / 1000);
    var ahead = s >= 0;
    s = Math.abs(s);
    var amount;
    if (s < 60) return "just now";
    if (s < 3600) amount = Math.floor(s / 60) + " min";
    else if (s < 86400) {
      var h = Math.floor(s / 3600);
      var m = Math.floor((s % 3600) / 60);
      amount = h < 10 && m >= 5 ? h + " h " + m + " min" : h + " h";
    } else {
      var d = Math.floor(s / 86400);
      amount = d + (d === 1 ? " day" : " days");
    }
    return ahead ? "in " + amount : amount + " ago";
  }

  var zone = (Intl.DateTimeFormat().resolvedOptions() || {}).timeZone || "";

  function render(el) {
    var at = new Date(el.getAttribute("datetime"));
    if (isNaN(at.getTime())) return;
    var now = new Date();
    var clock = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    var day = "";
    if (at.toDateString() !== now.toDateString()) {
      var options = { weekday: "short", day: "numeric", month: "short" };
      if (at.getFullYear() !== now.getFullYear()) options.year = "numeric";
      day = at.toLocaleDateString([], options) + " ";
    }
    el.textContent = day + clock + ", " + distance(at.getTime() - now.getTime());
    el.title = el.getAttribute("datetime") + (zone ? " — shown in " + zone : "");
  }

  function renderAll() {
    document.querySelectorAll("time[data-local]").forEach(render);
  }

  // <span data-countdown="2026-12-02T20:26:00Z" data-expired-show="id" data-expired-hide="id">: the time
  // left, to the second (" — 9:41 left"); at zero it shows one element and hides another (the setup
  // page's "Your setup time is over" in place of its buttons).
  function pad(n) { return n < 10 ? "0" + n : "" + n; }

  function expire(el) {
    if (el.dataset.expired) return;
    el.dataset.expired = "1";
    el.textContent = "";
    var show = el.dataset.expiredShow && document.getElementById(el.dataset.expiredShow);
    var hide = el.dataset.expiredHide && document.getElementById(el.dataset.expiredHide);
    if (show) show.hidden = false;
    if (hide) hide.hidden = true;
  }

  function countdown(el) {
    var at = new Date(el.getAttribute("data-countdown"));
    if (isNaN(at.getTime())) return;
    var left = Math.ceil((at.getTime() - Date.now()) / 1000);
    if (left <= 0) { expire(el); return; }
    var h = Math.floor(left / 3600);
    var m = Math.floor((left % 3600) / 60);
    var s = left % 60;
    el.textContent = " — " + (h > 0 ? h + ":" + pad(m) : m) + ":" + pad(s) + " left";
  }

  function countdownAll() {
    document.querySelectorAll("[data-countdown]").forEach(countdown);
  }

  // <input type="datetime-local" data-local-input="start_utc">: what the reader types is their own local
  // time; on submit its form gets that instant in UTC in the hidden field named by the attribute (the
  // server reads the bare field as UTC only without this script). [data-zone-hint] says which zone.
  function offsetText(date) {
    var minutes = -date.getTimezoneOffset();
    var sign = minutes >= 0 ? "+" : "-";
    minutes = Math.abs(minutes);
    return "UTC" + sign + pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  }

  function setUpLocalInputs() {
    document.querySelectorAll("[data-zone-hint]").forEach(function (hint) {
      hint.textContent = "In your time zone" + (zone ? ", " + zone : "") + " (now " + offsetText(new Date()) + ").";
    });
    document.querySelectorAll("input[data-local-input]").forEach(function (input) {
      var form = input.form;
      var target = form && form.elements.namedItem(input.dataset.localInput);
      if (!target) return;
      form.addEventListener("submit", function () {
        // "2026-12-04T09:00" without an offset is the browser's local time.
        var at = input.value ? new Date(input.value) : null;
        target.value = at && !isNaN(at.getTime()) ? at.toISOString() : "";
      });
    });
  }

  function startAll() {
    renderAll();
    countdownAll();
    setUpLocalInputs();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
  setInterval(renderAll, 30000);
  setInterval(countdownAll, 1000);
})();
