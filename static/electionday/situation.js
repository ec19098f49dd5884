/* The situation room refreshes itself: every few seconds (data-refresh-seconds, at most 30) it fetches the fragment
   (data-situation-refresh) and swaps it in place, without a full reload. It pauses while the tab is hidden, keeps the
   keyboard focus where it was (the same control in the new fragment) and announces a change politely through the
   aria-live status region; it never moves focus by itself. Motion (the highlight of changed numbers) is CSS-only and
   off under prefers-reduced-motion. */
(function () {
  "use strict";
  var root = document.querySelector("[data-situation-refresh]");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-situation-refresh");
  var seconds = Math.min(30, Math.max(1, parseInt(root.getAttribute("data-refresh-seconds"), 10) || 20));
  var announcer = document.getElementById("situation-announcer");
  var updated = document.querySelector("[data-situation-updated] time");
  var busy = false;
  var stopped = false;

  function counts(container) {
    var found = {};
    container.querySelectorAll("[data-status-count]").forEach(function (el) {
      found[el.getAttribute("data-status-count")] = el.textContent.trim();
    });
    return found;
  }

  function announce(text) {
    if (announcer && text) { announcer.textContent = text; }
  }

  function swap(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var fresh = template.content.querySelector("[data-situation-fragment]");
    if (!fresh) { return; }
    var current = root.querySelector("[data-situation-fragment]");
    var before = current ? current.getAttribute("data-announce") : "";
    var oldCounts = counts(root);
    var active = document.activeElement;
    var focusId = active && root.contains(active) && active.id ? active.id : "";
    if (active && root.contains(active) && !focusId) {
      return;  // a control without an id has the focus: do not pull it away; the next round tries again
    }
    root.replaceChildren(fresh);
    if (focusId) {
      var again = document.getElementById(focusId);
      if (again) { again.focus({ preventScroll: true }); }
    }
    var newCounts = counts(root);
    root.querySelectorAll("[data-status-count]").forEach(function (el) {
      var key = el.getAttribute("data-status-count");
      if (oldCounts[key] !== undefined && oldCounts[key] !== newCounts[key]) { el.classList.add("changed"); }
    });
    if (updated) {
      updated.textContent = fresh.getAttribute("data-updated") || updated.textContent;
    }
    var after = fresh.getAttribute("data-announce");
    if (after && after !== before) { announce(after); }
  }

  function refresh() {
    if (busy || stopped || document.hidden) { return; }
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403 ||
            response.headers.get("X-Situation-Fragment") !== "1") {
          stopped = true;
          announce(root.getAttribute("data-msg-expired"));
          return null;
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) { if (html) { swap(html); } })
      .catch(function () { announce(root.getAttribute("data-msg-failed")); })
      .then(function () { busy = false; });
  }

  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
})();
