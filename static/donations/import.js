// Statement import: poll the progress endpoint and move the progress bar until the import is done.
(function () {
  "use strict";
  var box = document.querySelector(".js-import-progress");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var label = box.querySelector(".js-status-label");
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
        label.textContent = data.status_label;
        if (data.status === "done" || data.status === "failed") { window.location.reload(); }
        else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  if (box.dataset.status === "pending" || box.dataset.status === "running") { window.setTimeout(poll, 1000); }
})();
