// Times in the reader's own time zone. The server writes <time datetime="2026-12-02T20:26:00Z" data-local>
// with a text in UTC ("2026-12-02 20:26 UTC, in 8 h", src/pages/time.rs); this rewrites the text in the
// browser's zone ("20:26, in 8 h") and keeps the time left current. Without it, the UTC text stands.
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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
  setInterval(renderAll, 30000);
})();
