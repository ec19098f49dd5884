/* Keep the device token the sign-in page was given in IndexedDB (DB "coalition-observer", store "kv", key
   "device-token": where the observer app reads it, with idb-keyval's layout), then open the app. No inline script:
   the Content-Security-Policy allows only scripts from this site. */
(function () {
  "use strict";
  var holder = document.getElementById("device-signin");
  if (!holder || !holder.dataset.token) {
    return;
  }
  var token = holder.dataset.token;
  var next = holder.dataset.next || "/observer/";
  holder.removeAttribute("data-token");

  function failed() {
    var status = holder.querySelector(".js-signin-status");
    var alert = holder.querySelector(".js-signin-failed");
    if (status) status.classList.add("d-none");
    if (alert) alert.classList.remove("d-none");
  }

  function open(version) {
    var request = version ? indexedDB.open("coalition-observer", version) : indexedDB.open("coalition-observer");
    request.onupgradeneeded = function () {
      if (!request.result.objectStoreNames.contains("kv")) {
        request.result.createObjectStore("kv");
      }
    };
    request.onerror = failed;
    request.onblocked = failed;
    request.onsuccess = function () {
      var db = request.result;
      if (!db.objectStoreNames.contains("kv")) {
        // The database exists without the store (an older app): open the next version to add it.
        var nextVersion = db.version + 1;
        db.close();
        open(nextVersion);
        return;
      }
      var tx = db.transaction("kv", "readwrite");
      tx.objectStore("kv").put(token, "device-token");
      tx.oncomplete = function () {
        db.close();
        window.location.replace(next);
      };
      tx.onerror = failed;
      tx.onabort = failed;
    };
  }

  try {
    open(0);
  } catch (error) {
    failed();
  }
})();
