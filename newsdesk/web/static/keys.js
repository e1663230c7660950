// Keyboard reading: j/k move the selection through a list, o opens, m toggles read, s stars, / goes
// to the search box, ? shows the keys. Progressive enhancement only: every action is also a link or
// a POST form on the page (with its CSRF token), and a key only clicks or submits that same element,
// so nothing here talks to the server on its own and the page works the same without it.
// Loaded from /static (the CSP allows no inline script); the reader's own keys come from
// <meta name="newsdesk-keymap"> on their pages (kept in localStorage for the public lists).
(function () {
  "use strict";
  var DEFAULTS = { next: "j", prev: "k", open: "o", read: "m", star: "s", search: "/", help: "?" };
  var LABELS = { next: "Next item", prev: "Previous item", open: "Open the selected item",
                 read: "Mark read / unread", star: "Star / unstar", search: "Search", help: "Show these keys" };
  var ORDER = ["next", "prev", "open", "read", "star", "search", "help"];
  var STORE = "newsdesk-keymap", SPOT = "newsdesk-keys-selected";
  var ITEMS = "[data-item], article.teaser, article.story-card";

  function keymap() {
    var map = {}, k, given = null;
    var meta = document.querySelector('meta[name="newsdesk-keymap"]');
    try {
      if (meta) {
        given = JSON.parse(meta.getAttribute("content") || "{}");
        window.localStorage.setItem(STORE, JSON.stringify(given));
      } else {
        given = JSON.parse(window.localStorage.getItem(STORE) || "null");
      }
    } catch (e) { given = null; }  // storage refused (private mode) or damaged: the defaults
    for (k in DEFAULTS) map[k] = DEFAULTS[k];
    if (given && typeof given === "object") {
      for (k in given) if (DEFAULTS.hasOwnProperty(k) && typeof given[k] === "string" && given[k].length === 1) map[k] = given[k];
    }
    return map;
  }
  var keys = keymap(), actionOf = {};
  for (var a in keys) actionOf[keys[a]] = a;

  function items() {
    var main = document.getElementById("main") || document.body;
    // an item inside another (a teaser in a [data-item] row) is part of it, not one of its own
    return Array.prototype.filter.call(main.querySelectorAll(ITEMS), function (el) {
      return !(el.parentElement && el.parentElement.closest(ITEMS));
    });
  }
  var current = -1;
  function select(index, scroll) {
    var list = items();
    if (!list.length) return;
    index = Math.max(0, Math.min(list.length - 1, index));
    if (current >= 0 && list[current]) {
      list[current].classList.remove("is-selected");
      list[current].removeAttribute("aria-current");
    }
    current = index;
    var el = list[index];
    el.classList.add("is-selected");
    el.setAttribute("aria-current", "true");
    if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: true });
    if (scroll !== false) el.scrollIntoView({ block: "nearest" });
  }
  function selected() {
    var list = items();
    return current >= 0 ? list[current] || null : null;
  }
  function itemId(el) {
    var link = openLink(el);
    return el.getAttribute("data-item") || (link ? link.getAttribute("href") : "") || "";
  }
  function openLink(el) {
    return el.querySelector("[data-open]") || el.querySelector(".headline a") || el.querySelector("a[href]");
  }
  // The item's own control for an action: an element marked data-key="read" / "star" (a form or a
  // submit button), else a submit button whose value names it (action=read|unread, star|unstar),
  // else a form posting a field named for it. Returns [form, button or null].
  var VALUES = { read: /^(read|unread)$/, star: /^(star|unstar|starred|unstarred)$/ };
  function control(el, action) {
    var marked = el.querySelector('[data-key="' + action + '"]');
    if (marked) return marked.tagName.toLowerCase() === "form" ? [marked, null] : [marked.form, marked];
    var buttons = el.querySelectorAll("form button, form input[type=submit]");
    for (var i = 0; i < buttons.length; i++) {
      if (VALUES[action].test(buttons[i].value || "")) return [buttons[i].form, buttons[i]];
    }
    var forms = el.querySelectorAll("form");
    for (var j = 0; j < forms.length; j++) {
      var names = Array.prototype.map.call(forms[j].elements, function (x) { return x.name || ""; }).join(" ");
      if (action === "read" && /(^|\s)(read|unread)(\s|$)/.test(names)) return [forms[j], null];
      if (action === "star" && /(^|\s)(star|starred|unstar)(\s|$)/.test(names)) return [forms[j], null];
    }
    return null;
  }
  // Remember the selection across the reload a form's POST-and-redirect causes.
  function remember(el) {
    try {
      window.sessionStorage.setItem(SPOT, JSON.stringify({ path: location.pathname, id: itemId(el), index: current }));
    } catch (e) { /* no storage: the selection starts again at the top */ }
  }
  function restore() {
    var spot = null;
    try {
      spot = JSON.parse(window.sessionStorage.getItem(SPOT) || "null");
      window.sessionStorage.removeItem(SPOT);
    } catch (e) { spot = null; }
    // the path only: the form's redirect may spell the query out (/my -> /my?state=unread)
    if (!spot || spot.path !== location.pathname) return;
    var list = items();
    for (var i = 0; i < list.length; i++) if (itemId(list[i]) === spot.id) return select(i);
    if (list.length) select(Math.min(spot.index, list.length - 1));  // it left the list (read, in "unread"): the next one
  }

  function submit(action) {
    var el = selected();
    if (!el) return;
    var found = control(el, action);
    if (!found || !found[0]) return;
    var form = found[0], button = found[1];
    remember(el);
    if (!button) button = form.querySelector("button[type=submit], button:not([type]), input[type=submit]");
    if (button) button.click(); else form.submit();  // a click sends the button's own name=value
  }

  var dialog = null, returnTo = null;
  function help() {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "keys-help";
      dialog.setAttribute("aria-labelledby", "keys-help-title");
      var html = '<h2 id="keys-help-title">Keyboard keys</h2><table><thead><tr><th scope="col">Key</th>' +
                 '<th scope="col">Does</th></tr></thead><tbody>';
      for (var i = 0; i < ORDER.length; i++) {
        html += "<tr><td><kbd></kbd></td><td></td></tr>";
      }
      html += '</tbody></table><p class="keys-help-foot"><a href="/my/keys">Change the keys</a></p>' +
              '<form method="dialog"><button type="submit">Close</button></form>';
      dialog.innerHTML = html;
      var rows = dialog.querySelectorAll("tbody tr");
      for (var j = 0; j < ORDER.length; j++) {
        rows[j].querySelector("kbd").textContent = keys[ORDER[j]];
        rows[j].querySelectorAll("td")[1].textContent = LABELS[ORDER[j]];
      }
      document.body.appendChild(dialog);
      // back to where the reader was, unless a key pressed meanwhile moved on (the close event comes late)
      dialog.addEventListener("close", function () {
        var now = document.activeElement;
        if (returnTo && returnTo.focus && (!now || now === document.body || dialog.contains(now))) returnTo.focus();
      });
      dialog.addEventListener("click", function (ev) { if (ev.target === dialog) dialog.close(); });
    }
    if (dialog.open) { dialog.close(); return; }
    returnTo = document.activeElement;
    dialog.showModal();
  }

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
    if (dialog && dialog.open && ev.key !== keys.help) return;  // the dialog handles its own keys (Esc closes)
    var action = actionOf[ev.key];
    if (!action) return;
    if (action === "next") select(current + 1);
    else if (action === "prev") select(current < 0 ? 0 : current - 1);
    else if (action === "open") {
      var el = selected(), link = el && openLink(el);
      if (!link) return;
      link.click();
    } else if (action === "read" || action === "star") submit(action);
    else if (action === "search") {
      var box = document.querySelector('main input[type="search"], input[type="search"]');
      if (!box) return;
      box.focus();
      if (box.select) box.select();
    } else if (action === "help") help();
    ev.preventDefault();
  });
  // A click on an item makes it the selection, so the keys go on from there.
  document.addEventListener("click", function (ev) {
    var el = ev.target && ev.target.closest ? ev.target.closest(ITEMS) : null;
    if (!el) return;
    var list = items(), i = list.indexOf(el);
    if (i >= 0 && i !== current) select(i, false);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", restore); else restore();
})();
