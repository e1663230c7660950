// Progressive enhancement only: the pages work without it. Shows times in the reader's own
// time zone and keeps "3 hours ago" labels current. Loaded from /static (the CSP allows no inline script).
(function () {
  "use strict";
  // The same units and rule as relative_time in newsdesk/web/site.py: the largest unit that fits,
  // the count rounded down, so the label the server wrote stays the same when this script runs.
  var units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60]];
  var one = { year: ["last year", "next year"], month: ["last month", "next month"], day: ["yesterday", "tomorrow"] };
  // The page's language (<html lang>), in the reader's own regional variant of it when they have
  // one (en-GB on an English page); never the browser's language on a page written in another.
  function pageLocale() {
    var lang = (document.documentElement.lang || "en").toLowerCase();
    var prefs = navigator.languages || [navigator.language];
    for (var i = 0; i < prefs.length; i++) {
      var pref = String(prefs[i] || "");
      if (pref.toLowerCase() === lang || pref.toLowerCase().indexOf(lang + "-") === 0) return pref;
    }
    return lang;
  }
  var locale = pageLocale();
  var english = locale.toLowerCase().split("-")[0] === "en";
  var rtf = null;
  try {
    if (window.Intl && Intl.RelativeTimeFormat) rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  } catch (e) { rtf = null; }  // a lang attribute Intl does not know: the server's English words
  function ago(date) {
    var seconds = (Date.now() - date.getTime()) / 1000, future = seconds < 0, size = Math.abs(seconds);
    if (size < 60) return english || !rtf ? "just now" : rtf.format(0, "second");
    for (var i = 0; i < units.length; i++) {
      if (size < units[i][1]) continue;
      var unit = units[i][0], n = Math.floor(size / units[i][1]);
      if (rtf) return rtf.format(future ? n : -n, unit);
      if (n === 1 && one[unit]) return one[unit][future ? 1 : 0];
      var label = n + " " + unit + (n === 1 ? "" : "s");
      return future ? "in " + label : label + " ago";
    }
    return "";
  }
  function local(date) {
    try {
      return date.toLocaleString(locale, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
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
