/* The observer app's service worker (served by electionday.views.observer.service_worker, scope /observer/).
 * The shell: network first (it carries the language and the newest version), the cached copy offline.
 * Static files: cache first (their URLs change with their content in production; the cache is named by the version).
 * The API: always the network; the page keeps its own copy of /api/v1/me and the checklists in IndexedDB. */
"use strict";
const CONFIG = {{ sw_config|safe }};
const CACHE = "observer-" + CONFIG.version;
const SHELL_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll([CONFIG.shell, ...CONFIG.assets]))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("observer-") && name !== CACHE).map((name) => caches.delete(name))
      ))
      .then(() => self.clients.claim())
  );
});

function shellFromNetwork(request) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), SHELL_TIMEOUT_MS);
    fetch(request).then((response) => {
      clearTimeout(timer);
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(CONFIG.shell, copy));
      }
      resolve(response);
    }, (error) => { clearTimeout(timer); reject(error); });
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith(CONFIG.api)) return;
  if (request.mode === "navigate" && url.pathname === CONFIG.shell) {
    event.respondWith(
      shellFromNetwork(request).catch(() =>
        caches.match(CONFIG.shell).then((cached) => cached || Response.error())
      )
    );
    return;
  }
  if (CONFIG.assets.includes(url.pathname)) {
    event.respondWith(
      caches.match(url.pathname).then((cached) => cached || fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      }))
    );
  }
});
