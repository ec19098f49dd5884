// Manual entry: show the donor's status and the fund's headroom as soon as a 12-digit IIN/BIN is typed.
// Without JavaScript the "Check" button does the same on the server.
(function () {
  "use strict";
  var form = document.querySelector(".js-entry-form");
  var live = document.querySelector(".js-status-live");
  if (!form || !live) { return; }
  var input = form.querySelector("[name=payer_id]");
  var empty = document.querySelector(".js-status-empty");
  function set(field, text) {
    var el = live.querySelector('[data-field="' + field + '"]');
    if (el) { el.textContent = text; }
  }
  function show(data) {
    var valid = live.querySelector('[data-field="valid_id"]');
    set("valid_id", data.valid_id ? valid.dataset.yes : valid.dataset.no);
    var source = live.querySelector('[data-field="source"]');
    set("source", source.dataset[data.source] || data.source);
    var donor = live.querySelector('[data-field="donor"]');
    set("donor", data.donor ? data.donor.name + " (" + data.donor.category + ")" : donor.dataset.none);
    set("prohibited", (data.prohibited || []).join(", ") || "—");
    set("given", data.given);
    set("headroom_source", data.headroom_source);
    set("headroom_donor", data.headroom_donor === null ? "—" : data.headroom_donor);
    live.hidden = false;
    if (empty) { empty.hidden = true; }
  }
  function check() {
    var value = input.value.trim();
    if (!/^\d{12}$/.test(value) && value !== "") { return; }
    var url = form.dataset.statusUrl + "?payer_id=" + encodeURIComponent(value);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () {});
  }
  input.addEventListener("input", check);
  input.addEventListener("change", check);
  if (input.value) { check(); }
})();
