// Show the identity fields of the hotline form only when the reporter chooses to give their identity.
// Without JavaScript every field stays visible and the server ignores them unless the box is ticked.
(function () {
  "use strict";
  var box = document.getElementById("id_give_identity");
  var group = document.getElementById("identity-fields");
  if (!box || !group) {
    return;
  }
  box.setAttribute("aria-controls", "identity-fields");
  function sync() {
    group.hidden = !box.checked;
    box.setAttribute("aria-expanded", box.checked ? "true" : "false");
  }
  box.addEventListener("change", sync);
  sync();
})();
