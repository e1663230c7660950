// Progressive enhancement only: the pages work without it. Shows times in the reader's own
// time zone and keeps "3 hours ago" labels current. Loaded from /static (the CSP allows no inline script).
(function () {
  "use strict";
  var units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60]];
  var rtf = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;
  function ago(date) {
    var seconds = (date.getTime() - Date.now()) / 1000;
    if (Math.abs(seconds) < 60) return "just now";
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(seconds) >= units[i][1] || units[i][0] === "minute") {
        var n = Math.round(seconds / units[i][1]);
        return rtf ? rtf.format(n, units[i][0]) : Math.abs(n) + " " + units[i][0] + (Math.abs(n) === 1 ? "" : "s") + " ago";
      }
    }
    return "";
  }
  function local(date) {
    try {
      return date.toLocaleString(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
    } catch (e) { return date.toString(); }
  }
  function update() {
    var nodes = document.querySelectorAll("time[datetime]");
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i], date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) continue;
      el.title = local(date);
      if (el.hasAttribute("data-rel")) el.textContent = ago(date);
      else if (el.hasAttribute("data-local")) el.textContent = local(date);
    }
    var labels = document.querySelectorAll("[data-ago]");
    for (var j = 0; j < labels.length; j++) {
      var d = new Date(labels[j].getAttribute("data-ago"));
      if (!isNaN(d.getTime())) labels[j].textContent = ago(d);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", update); else update();
  setInterval(update, 60000);
})();
