/* The observer's offline app (/observer/).
 *
 * Everything lives in IndexedDB, database "coalition-observer", store "kv" (idb-keyval):
 *   "device-token"            the device token the sign-in page wrote (the only key to the API);
 *   "cache:me", "cache:checklists:<assignment>", "cache:incident-categories", "cache:severities"
 *                             the last answers of the API, shown when there is no network;
 *   "outbox:<client_id>"      every report the observer saved, with its photos, until the server has it.
 * A report gets its UUID when it is saved; the server stores one row per UUID, so sending it again is harmless.
 * The outbox is sent on load, when the browser comes online, every 30 seconds and after each save.
 * The page's words come from Django (the "observer-config" JSON); this file has none of its own.
 */
(() => {
  "use strict";

  const CONFIG = JSON.parse(document.getElementById("observer-config").textContent);
  const S = CONFIG.strings;
  const LANG = CONFIG.lang;
  const { createStore, get, set, del, entries, update } = window.idbKeyval;
  const store = createStore("coalition-observer", "kv");
  const TOKEN_KEY = "device-token";
  const OUTBOX = "outbox:";
  const SEND_EVERY_MS = 30000;
  const PHOTO_LONGEST_SIDE = 1600;
  const PHOTO_QUALITY = 0.8;
  const LINES = ["voters", "received", "issued", "cancelled", "in_boxes", "invalid", "against_all"];
  const CHECKS = ["received_balance", "issued_over_list", "boxes_over_issued", "boxes_balance"];

  const state = { me: null, checklists: {}, categories: CONFIG.categories, severities: CONFIG.severities,
    signedOut: false, hasToken: false, lastSent: null };
  const view = document.getElementById("view");
  const banner = document.getElementById("banner");

  // --- small helpers ---------------------------------------------------------------------------------------------

  function fmt(text, params) {
    return text.replace(/%\((\w+)\)s/g, (whole, key) => (key in params ? String(params[key]) : whole));
  }

  function tr(value) {
    if (value === null || value === undefined) return "";
    if (typeof value !== "object") return String(value);
    return value[LANG] || value.ru || Object.values(value).find(Boolean) || "";
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function uuid() {
    if (window.crypto.randomUUID) return window.crypto.randomUUID();
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function hhmm(date) {
    return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
  }

  function todayAt(time) {
    const [hours, minutes] = time.split(":").map(Number);
    const date = new Date();
    date.setHours(hours, minutes, 0, 0);
    return date;
  }

  function wholeNumber(text) {
    return /^\d+$/.test(String(text).trim()) ? Number(text) : null;
  }

  // --- the device token and the API -----------------------------------------------------------------------------

  async function deviceToken() {
    const value = await get(TOKEN_KEY, store);
    if (typeof value === "string") return value;
    return value && typeof value.token === "string" ? value.token : null;
  }

  function signedOut() {
    state.signedOut = true;
    showBanner();
  }

  async function apiGet(path) {
    const token = await deviceToken();
    if (!token) return null;
    const response = await fetch(CONFIG.api + path, {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      cache: "no-store",
    });
    if (response.status === 401) {
      signedOut();
      return null;
    }
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    state.signedOut = false;
    return response.json();
  }

  async function loadCached() {
    state.hasToken = Boolean(await deviceToken());
    state.me = (await get("cache:me", store)) || null;
    for (const assignment of assignments()) {
      state.checklists[assignment.id] = (await get(`cache:checklists:${assignment.id}`, store)) || [];
    }
    const categories = await get("cache:incident-categories", store);
    if (categories) applyCategories(categories);
    const severities = await get("cache:severities", store);
    if (Array.isArray(severities)) state.severities = severities;
  }

  function applyCategories(payload) {
    if (Array.isArray(payload)) state.categories = payload;
    else if (payload && typeof payload === "object") {
      if (Array.isArray(payload.categories)) state.categories = payload.categories;
      if (Array.isArray(payload.severities)) state.severities = payload.severities;
    }
  }

  async function refresh() {
    try {
      const me = await apiGet("me");
      if (!me) return;
      state.me = me;
      await set("cache:me", me, store);
      for (const assignment of assignments()) {
        const checklists = await apiGet(`checklists?assignment=${encodeURIComponent(assignment.id)}`);
        if (checklists) {
          state.checklists[assignment.id] = checklists;
          await set(`cache:checklists:${assignment.id}`, checklists, store);
        }
      }
      const categories = await apiGet("incident-categories");
      if (categories) {
        applyCategories(categories);
        await set("cache:incident-categories", categories, store);
      }
      const severities = await apiGet("severities").catch(() => null);
      if (Array.isArray(severities)) {
        state.severities = severities;
        await set("cache:severities", severities, store);
      }
      syncLanguage(me.language);
    } catch (error) {
      // Offline or the server is down: the cached copy stays on screen.
    } finally {
      showBanner();
      if (currentRoute().name === "home" || !view.querySelector("form")) render();
    }
  }

  /** Show the app in the observer's language (from their profile) once, unless they chose one on this phone. */
  function syncLanguage(language) {
    if (!language || language === LANG || localStorage.getItem("observer-language-chosen")) return;
    if (localStorage.getItem("observer-language-synced") === language) return;
    localStorage.setItem("observer-language-synced", language);
    const body = new URLSearchParams({ language, next: CONFIG.scope });
    fetch("/i18n/setlang/", { method: "POST", body, redirect: "manual", credentials: "same-origin" })
      .then(() => { if (currentRoute().name === "home") window.location.replace(CONFIG.scope); })
      .catch(() => {});
  }

  function assignments() {
    return (state.me && Array.isArray(state.me.assignments)) ? state.me.assignments : [];
  }

  function assignmentById(id) {
    return assignments().find((assignment) => String(assignment.id) === String(id)) || null;
  }

  // --- the outbox ------------------------------------------------------------------------------------------------

  async function outboxItems() {
    const all = await entries(store);
    return all.filter(([key]) => typeof key === "string" && key.startsWith(OUTBOX)).map(([, item]) => item)
      .sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
  }

  async function enqueue({ kind, url, data, files, label, assignment, checklist }) {
    const item = { client_id: data.client_id, kind, url, data, files: files || [], status: "waiting", error: "",
      label, assignment, checklist: checklist || "", created_at: new Date().toISOString() };
    await set(OUTBOX + item.client_id, item, store);
    await showCounts();
    return item;
  }

  async function markItem(clientId, changes) {
    await update(OUTBOX + clientId, (item) => (item ? Object.assign(item, changes) : item), store);
  }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.errors && typeof body.errors === "object") {
        return Object.entries(body.errors)
          .map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`).join("; ");
      }
      if (body && body.detail) return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
      return JSON.stringify(body);
    } catch (error) {
      return `${response.status} ${response.statusText}`;
    }
  }

  /** Send one report. Return false to stop the round (offline, signed out, rate-limited, server down). */
  async function sendOne(item, token) {
    const body = new FormData();
    body.append("data", JSON.stringify(item.data));
    for (const file of item.files) {
      body.append(file.field, new Blob([file.bytes], { type: file.type }), file.name);
    }
    let response;
    try {
      response = await fetch(CONFIG.api + item.url, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
        body,
        cache: "no-store",
      });
    } catch (error) {
      return false;
    }
    if (response.status === 200 || response.status === 201) {
      // The server has it: keep the line for the counts, drop the photos.
      await markItem(item.client_id, { status: "sent", files: [], error: "", sent_at: new Date().toISOString() });
      state.lastSent = new Date();
      return true;
    }
    if (response.status === 401) {
      signedOut();
      return false;
    }
    if (response.status === 429 || response.status >= 500 || response.status < 400) return false;
    await markItem(item.client_id, { status: "failed", error: await errorMessage(response) });
    return true;
  }

  async function sendRound() {
    const token = await deviceToken();
    if (!token) return;
    for (const item of await outboxItems()) {
      if (item.status !== "waiting") continue;
      if (!(await sendOne(item, token))) break;
    }
  }

  let sending = null;
  function sendAll() {
    // One round at a time in this page; navigator.locks keeps two open tabs from sending the same item at once
    // (harmless anyway: the server stores one row per UUID).
    if (sending) return sending;
    const run = navigator.locks
      ? navigator.locks.request("coalition-observer-outbox", { ifAvailable: true }, (lock) => lock && sendRound())
      : sendRound();
    sending = Promise.resolve(run).catch(() => {}).finally(async () => {
      sending = null;
      await showCounts();
      if (currentRoute().name === "home") render();
    });
    return sending;
  }

  // --- status: network, queue, banner ----------------------------------------------------------------------------

  async function showCounts() {
    const counts = { waiting: 0, sent: 0, failed: 0 };
    for (const item of await outboxItems()) counts[item.status] = (counts[item.status] || 0) + 1;
    for (const [status, count] of Object.entries(counts)) {
      const node = document.getElementById(`count-${status}`);
      if (node) node.textContent = String(count);
    }
    const network = document.getElementById("network");
    network.textContent = navigator.onLine ? S.online : S.offline;
    network.className = navigator.onLine ? "badge text-bg-success" : "badge text-bg-warning text-wrap text-start";
    return counts;
  }

  function showBanner() {
    banner.replaceChildren();
    if (state.signedOut) {
      banner.append(el("div", { class: "alert alert-danger", role: "alert", "data-testid": "signed-out" },
        S.signed_out));
    } else if (!state.hasToken) {
      banner.append(el("div", { class: "alert alert-warning", role: "alert" }, S.not_signed_in));
    }
  }

  // --- routing -----------------------------------------------------------------------------------------------------

  function currentRoute() {
    const parts = window.location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] === "checklist" && parts.length === 3) return { name: "checklist", assignment: parts[1], code: parts[2] };
    if (parts[0] === "incident" && parts.length === 2) return { name: "incident", assignment: parts[1] };
    if (parts[0] === "protocol" && parts.length === 2) return { name: "protocol", assignment: parts[1] };
    return { name: "home" };
  }

  function go(hash) {
    if (window.location.hash === hash) render(true);
    else window.location.hash = hash;
  }

  function render(focus) {
    const route = currentRoute();
    const assignment = route.name === "home" ? null : assignmentById(route.assignment);
    let content;
    if (route.name === "checklist" && assignment) content = checklistView(assignment, route.code);
    else if (route.name === "incident" && assignment) content = incidentView(assignment);
    else if (route.name === "protocol" && assignment) content = protocolView(assignment);
    else {
      homeView().then((node) => {
        view.replaceChildren(node);
        if (focus) focusHeading();
      });
      return;
    }
    view.replaceChildren(content || el("p", { text: S.no_data_offline }));
    if (focus) focusHeading();
  }

  function focusHeading() {
    const heading = view.querySelector("h2");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
    window.scrollTo(0, 0);
  }

  // --- the home screen -------------------------------------------------------------------------------------------

  async function homeView() {
    const items = await outboxItems();
    const root = el("div", { "data-testid": "home" });
    if (state.lastSent) {
      root.append(el("p", { class: "small text-body-secondary" }, fmt(S.last_sent, { time: hhmm(state.lastSent) })));
    }
    if (!state.me) {
      if (state.hasToken) root.append(el("p", { class: "alert alert-info" }, S.no_data_offline));
      return root;
    }
    if (!assignments().length) root.append(el("p", { class: "alert alert-info" }, S.no_assignment));
    for (const assignment of assignments()) root.append(assignmentCard(assignment, items));
    const failed = items.filter((item) => item.status === "failed");
    if (failed.length) root.append(failedCard(failed));
    return root;
  }

  function assignmentCard(assignment, items) {
    const station = assignment.station || {};
    const election = assignment.election || {};
    const polls = election.polls || {};
    const card = el("section", { class: "observer-card", "data-testid": `assignment-${assignment.id}` },
      el("h2", { class: "h4" }, fmt(S.station, { number: station.number || "" })),
      el("p", { class: "mb-1" }, el("i", { class: "bi bi-geo-alt", "aria-hidden": "true" }), " ", station.address || ""),
      station.region ? el("p", { class: "mb-1 text-body-secondary" }, station.region.name || "") : null,
      el("p", { class: "mb-1" }, assignment.role === "proxy" ? S.role_proxy : S.role_observer, " · ",
        election.name || ""),
      el("p", { class: "mb-3" },
        election.election_day ? `${S.election_day}: ${election.election_day.split("-").reverse().join(".")} · ` : "",  // dd.mm.yyyy
        polls.opens ? fmt(S.hours, { opens: polls.opens, closes: polls.closes || "" }) : ""));
    const tasks = el("ul", { class: "list-unstyled observer-tasks d-grid gap-2 mb-0" });
    for (const checklist of state.checklists[assignment.id] || []) {
      const mine = items.filter((item) => item.kind === "submission" && String(item.assignment) === String(assignment.id)
        && item.checklist === checklist.checklist);
      tasks.append(el("li", {}, taskLink(`#/checklist/${assignment.id}/${encodeURIComponent(checklist.checklist)}`,
        tr(checklist.title) || checklist.checklist,
        checklist.due_at ? fmt(S.due, { time: checklist.due_at }) : "", mine, `checklist-${checklist.checklist}`)));
    }
    const incidents = items.filter((item) => item.kind === "incident" && String(item.assignment) === String(assignment.id));
    const protocols = items.filter((item) => item.kind === "protocol" && String(item.assignment) === String(assignment.id));
    tasks.append(el("li", {}, taskLink(`#/incident/${assignment.id}`, S.incident, "", incidents, "incident", "btn-outline-danger")));
    tasks.append(el("li", {}, taskLink(`#/protocol/${assignment.id}`, S.protocol, "", protocols, "protocol")));
    card.append(el("h3", { class: "h6" }, S.forms), tasks);
    return card;
  }

  function taskLink(href, title, note, items, testid, style) {
    let badge = null;
    if (items.length) {
      const waiting = items.some((item) => item.status !== "sent");
      badge = el("span", { class: `badge ${waiting ? "text-bg-warning" : "text-bg-success"}` },
        waiting ? S.status_waiting : `${S.status_sent} ×${items.length}`);
    }
    return el("a", { class: `btn ${style || "btn-outline-primary"}`, href, "data-testid": testid },
      el("span", {}, title, note ? el("small", { class: "d-block" }, note) : null), badge);
  }

  function failedCard(failed) {
    const card = el("section", { class: "observer-card", "data-testid": "failed" },
      el("h2", { class: "h5" }, S.failed));
    for (const item of failed) {
      card.append(el("div", { class: "observer-queue-item" },
        el("p", { class: "mb-1 fw-semibold" }, item.label || item.kind),
        el("p", { class: "mb-1 observer-error" }, fmt(S.server_error, { message: item.error })),
        el("div", { class: "d-flex gap-2" },
          el("button", { type: "button", class: "btn btn-sm btn-outline-primary", onclick: async () => {
            await markItem(item.client_id, { status: "waiting", error: "" });
            sendAll();
          } }, S.retry),
          el("button", { type: "button", class: "btn btn-sm btn-outline-danger", onclick: async () => {
            if (!window.confirm(S.remove_confirm)) return;
            await del(OUTBOX + item.client_id, store);
            await showCounts();
            render();
          } }, S.remove))));
    }
    return card;
  }

  // --- form building blocks --------------------------------------------------------------------------------------

  let fieldCounter = 0;

  function fieldId() {
    fieldCounter += 1;
    return `f${fieldCounter}`;
  }

  function errorBox(id) {
    return el("div", { id: `${id}-error`, class: "observer-error", "data-error": "" });
  }

  function requiredMark(required) {
    return required ? el("span", { class: "text-danger" }, " *", el("span", { class: "visually-hidden" }, S.required)) : null;
  }

  function inputField({ label, type, required, name, value, attrs, testid }) {
    const id = fieldId();
    const input = el(type === "textarea" ? "textarea" : "input", Object.assign({
      id, name, class: "form-control", "aria-describedby": `${id}-error`, "data-testid": testid || name,
    }, type === "textarea" ? { rows: "3" } : { type }, required ? { "aria-required": "true" } : {}, attrs || {}));
    if (value !== undefined) input.value = value;
    return el("div", { class: "mb-3", "data-field": name },
      el("label", { class: "form-label", for: id }, label, requiredMark(required)), input, errorBox(id));
  }

  function radioField({ label, name, options, required, checked, testid }) {
    const id = fieldId();
    const set_ = el("fieldset", { "data-field": name, "data-testid": testid || name, "aria-describedby": `${id}-error` },
      el("legend", {}, label, requiredMark(required)));
    options.forEach((option, index) => {
      const optionId = `${id}-${index}`;
      set_.append(el("div", { class: "form-check" },
        el("input", { class: "form-check-input", type: "radio", name, id: optionId, value: option.value,
          checked: String(option.value) === String(checked) }),
        el("label", { class: "form-check-label", for: optionId }, option.label)));
    });
    set_.append(errorBox(id));
    return set_;
  }

  /** A photo input: the chosen picture is shrunk at once (canvas → JPEG); the result waits in ``holder``. */
  function photoField({ label, name, required, multiple, allowVideo, holder, testid }) {
    const id = fieldId();
    const status = el("div", { class: "form-text", "aria-live": "polite" });
    const input = el("input", { id, name, type: "file", class: "form-control", "aria-describedby": `${id}-error`,
      accept: allowVideo ? "image/*,video/*" : "image/*", capture: multiple ? null : "environment",
      multiple: Boolean(multiple), "aria-required": required ? "true" : null, "data-testid": testid || name });
    input.addEventListener("change", () => {
      const chosen = [...input.files];
      holder[name] = Promise.all(chosen.map((file) => prepareFile(file, allowVideo))).then((files) => {
        const kept = files.filter(Boolean);
        const size = Math.round(kept.reduce((total, file) => total + file.bytes.byteLength, 0) / 1024);
        status.textContent = kept.length < chosen.length ? S.photo_failed
          : multiple ? fmt(S.photos_ready, { count: kept.length, size }) : fmt(S.photo_ready, { size });
        return kept;
      });
    });
    return el("div", { class: "mb-3", "data-field": name },
      el("label", { class: "form-label", for: id }, label, requiredMark(required)), input, status, errorBox(id));
  }

  async function prepareFile(file, allowVideo) {
    if (allowVideo && file.type.startsWith("video/")) {
      return { bytes: await file.arrayBuffer(), type: file.type, name: file.name || "video" };
    }
    try {
      const blob = await shrink(file);
      return { bytes: await blob.arrayBuffer(), type: "image/jpeg", name: "photo.jpg" };
    } catch (error) {
      return null;
    }
  }

  /** Return the photo as a JPEG whose longest side is at most PHOTO_LONGEST_SIDE (EXIF, GPS included, dropped). */
  async function shrink(file) {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, PHOTO_LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    if (bitmap.close) bitmap.close();
    return new Promise((resolve, reject) => {
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("toBlob"))), "image/jpeg", PHOTO_QUALITY);
    });
  }

  function setError(form, name, message) {
    const field = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (!field) return;
    const box = field.querySelector("[data-error]");
    box.textContent = message || "";
    const control = field.querySelector("input, textarea, select");
    if (control && control.type !== "radio") control.setAttribute("aria-invalid", message ? "true" : "false");
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error]").forEach((box) => { box.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((control) => control.setAttribute("aria-invalid", "false"));
  }

  function focusFirstError(form) {
    const box = [...form.querySelectorAll("[data-error]")].find((node) => node.textContent);
    if (!box) return;
    const control = box.closest("[data-field]").querySelector("input, textarea, select");
    if (control) control.focus();
  }

  function radioValue(form, name) {
    const checked = form.querySelector(`input[type=radio][name="${CSS.escape(name)}"]:checked`);
    return checked ? checked.value : "";
  }

  function controlValue(form, name) {
    const control = form.querySelector(`[name="${CSS.escape(name)}"]`);
    return control ? control.value.trim() : "";
  }

  function formPage(title, form) {
    return el("div", {},
      el("a", { href: "#/", class: "btn btn-link observer-back px-0 mb-2" },
        el("i", { class: "bi bi-arrow-left", "aria-hidden": "true" }), " ", S.back),
      el("h2", { class: "h4" }, title),
      form);
  }

  function saved() {
    window.location.hash = "#/";
    banner.replaceChildren(el("div", { class: "alert alert-success", role: "status" }, S.saved));
    setTimeout(showBanner, 6000);
    sendAll();
  }

  async function collectFiles(holder, name, field) {
    const files = holder[name] ? await holder[name] : [];
    return files.map((file) => ({ field, bytes: file.bytes, type: file.type, name: file.name }));
  }

  // --- a checklist -------------------------------------------------------------------------------------------------

  function checklistView(assignment, code) {
    const checklist = (state.checklists[assignment.id] || []).find((item) => item.checklist === code);
    if (!checklist) return null;
    const holder = {};
    const form = el("form", { class: "observer-form observer-card", novalidate: true, "data-testid": `form-${code}` });
    for (const question of checklist.questions || []) {
      const name = `q_${question.name}`;
      const label = tr(question.label) || question.name;
      const required = Boolean(question.required);
      if (question.type === "yes_no") {
        form.append(radioField({ label, name, required, testid: question.name,
          options: [{ value: "yes", label: S.yes }, { value: "no", label: S.no }] }));
      } else if (question.type === "choice") {
        form.append(radioField({ label, name, required, testid: question.name,
          options: (question.choices || []).map((choice) => ({ value: choice.value, label: tr(choice.label) || choice.value })) }));
      } else if (question.type === "number") {
        form.append(inputField({ label, name, required, type: "number", testid: question.name,
          attrs: { inputmode: "numeric", min: "0", step: "1" } }));
      } else if (question.type === "time") {
        form.append(inputField({ label, name, required, type: "time", testid: question.name }));
      } else if (question.type === "photo") {
        form.append(photoField({ label, name, required, holder, testid: question.name }));
      } else {
        form.append(inputField({ label, name, required, type: "textarea", testid: question.name }));
      }
    }
    form.append(el("button", { type: "submit", class: "btn btn-primary btn-lg" }, S.save));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      const answers = {};
      const files = [];
      let ok = true;
      for (const question of checklist.questions || []) {
        const name = `q_${question.name}`;
        let value = null;
        if (question.type === "yes_no") {
          const chosen = radioValue(form, name);
          value = chosen ? chosen === "yes" : null;
        } else if (question.type === "choice") {
          value = radioValue(form, name) || null;
        } else if (question.type === "number") {
          const text = controlValue(form, name);
          if (text !== "") {
            value = wholeNumber(text);
            if (value === null) {
              setError(form, name, S.whole_number);
              ok = false;
              continue;
            }
          }
        } else if (question.type === "photo") {
          const photos = await collectFiles(holder, name, `photo:${question.name}`);
          if (photos.length) {
            files.push(photos[0]);
            continue;
          }
        } else {
          value = controlValue(form, name) || null;
        }
        if (value === null) {
          if (question.required) {
            setError(form, name, S.required);
            ok = false;
          }
          continue;
        }
        answers[question.name] = value;
      }
      if (!ok) {
        focusFirstError(form);
        return;
      }
      const clientId = uuid();
      await enqueue({
        kind: "submission", url: "submissions", files, assignment: assignment.id, checklist: checklist.checklist,
        label: tr(checklist.title) || checklist.checklist,
        data: { client_id: clientId, assignment: assignment.id, checklist: checklist.checklist,
          version: checklist.version, filled_at: new Date().toISOString(), answers },
      });
      saved();
    });
    return formPage(tr(checklist.title) || checklist.checklist, form);
  }

  // --- an incident -------------------------------------------------------------------------------------------------

  function incidentView(assignment) {
    const holder = {};
    const categoryId = fieldId();
    const select = el("select", { id: categoryId, name: "category", class: "form-select", "aria-required": "true",
      "aria-describedby": `${categoryId}-error`, "data-testid": "category" },
      el("option", { value: "" }, "—"),
      state.categories.map((category) => el("option", { value: category.code }, category.label)));
    const form = el("form", { class: "observer-form observer-card", novalidate: true, "data-testid": "form-incident" },
      el("div", { class: "mb-3", "data-field": "category" },
        el("label", { class: "form-label", for: categoryId }, S.category, requiredMark(true)), select,
        errorBox(categoryId)),
      radioField({ label: S.severity, name: "severity", required: true, checked: "medium",
        options: state.severities.map((severity) => ({ value: severity.code, label: severity.label })) }),
      inputField({ label: S.occurred_at, name: "occurred_at", type: "time", required: true, value: hhmm(new Date()) }),
      inputField({ label: S.what_happened, name: "text", type: "textarea", required: true }),
      photoField({ label: S.photos, name: "photos", multiple: true, allowVideo: true, holder }),
      el("button", { type: "submit", class: "btn btn-danger btn-lg" }, S.save));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      const category = controlValue(form, "category");
      const severity = radioValue(form, "severity");
      const time = controlValue(form, "occurred_at");
      const text = controlValue(form, "text");
      let ok = true;
      for (const [name, value] of Object.entries({ category, severity, occurred_at: time, text })) {
        if (!value) {
          setError(form, name, S.required);
          ok = false;
        }
      }
      if (!ok) {
        focusFirstError(form);
        return;
      }
      const clientId = uuid();
      await enqueue({
        kind: "incident", url: "incidents", assignment: assignment.id,
        files: await collectFiles(holder, "photos", "photos"),
        label: `${S.incident}: ${(state.categories.find((c) => c.code === category) || {}).label || category}`,
        data: { client_id: clientId, assignment: assignment.id, category, severity,
          occurred_at: todayAt(time).toISOString(), text },
      });
      saved();
    });
    return formPage(S.incident, form);
  }

  // --- the protocol ------------------------------------------------------------------------------------------------

  /** The control relations of the protocol, in the server's order (electionday/rules.py). */
  function protocolChecks(n, votes) {
    const total = Object.values(votes).reduce((sum, value) => sum + value, 0);
    const failed = [];
    if (n.received !== n.issued + n.cancelled) failed.push("received_balance");
    if (n.issued > n.voters) failed.push("issued_over_list");
    if (n.in_boxes > n.issued) failed.push("boxes_over_issued");
    if (n.in_boxes !== n.invalid + n.against_all + total) failed.push("boxes_balance");
    return CHECKS.filter((code) => failed.includes(code));
  }

  function protocolView(assignment) {
    const holder = {};
    const candidates = (assignment.election && assignment.election.candidates) || [];
    const numberAttrs = { inputmode: "numeric", min: "0", step: "1" };
    const warning = el("div", { "data-testid": "protocol-checks", "aria-live": "polite" });
    const form = el("form", { class: "observer-form observer-card", novalidate: true, "data-testid": "form-protocol" },
      LINES.map((line) => inputField({ label: S[`line_${line}`], name: line, type: "number", required: true,
        attrs: numberAttrs })),
      el("fieldset", {}, el("legend", {}, S.votes_for),
        candidates.map((candidate) => inputField({ label: candidate.name, name: `c_${candidate.code}`,
          type: "number", required: true, attrs: numberAttrs }))),
      photoField({ label: S.protocol_photo, name: "photo", required: true, holder, testid: "protocol-photo" }),
      warning,
      el("button", { type: "submit", class: "btn btn-primary btn-lg" }, S.save));
    let confirmedFor = null;
    form.addEventListener("input", (event) => {
      if (event.target.type === "number") {
        confirmedFor = null;
        warning.replaceChildren();
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      const numbers = {};
      const votes = {};
      let ok = true;
      for (const line of LINES) {
        numbers[line] = wholeNumber(controlValue(form, line));
        if (numbers[line] === null) {
          setError(form, line, controlValue(form, line) === "" ? S.required : S.whole_number);
          ok = false;
        }
      }
      for (const candidate of candidates) {
        const name = `c_${candidate.code}`;
        votes[candidate.code] = wholeNumber(controlValue(form, name));
        if (votes[candidate.code] === null) {
          setError(form, name, controlValue(form, name) === "" ? S.required : S.whole_number);
          ok = false;
        }
      }
      const photos = await collectFiles(holder, "photo", "photo");
      if (!photos.length) {
        setError(form, "photo", S.required);
        ok = false;
      }
      if (!ok) {
        focusFirstError(form);
        return;
      }
      const failed = protocolChecks(numbers, votes);
      const key = JSON.stringify([numbers, votes]);
      const box = warning.querySelector("input[type=checkbox]");
      if (failed.length && !(box && box.checked && confirmedFor === key)) {
        confirmedFor = key;
        const confirmId = fieldId();
        warning.replaceChildren(el("div", { class: "alert alert-warning", role: "alert" },
          el("p", { class: "fw-semibold mb-1" }, S.checks_failed),
          el("ul", { class: "mb-2" }, failed.map((code) => el("li", { "data-check": code }, S[`check_${code}`]))),
          el("p", { class: "mb-2" }, S.confirm_paper_needed),
          el("div", { class: "form-check" },
            el("input", { class: "form-check-input", type: "checkbox", id: confirmId, "data-testid": "confirm-paper" }),
            el("label", { class: "form-check-label", for: confirmId }, S.confirm_paper))));
        warning.querySelector("input").focus();
        return;
      }
      const clientId = uuid();
      await enqueue({
        kind: "protocol", url: "protocols", assignment: assignment.id, files: [photos[0]], label: S.protocol,
        data: Object.assign({ client_id: clientId, assignment: assignment.id, filled_at: new Date().toISOString() },
          numbers, { votes }),
      });
      saved();
    });
    return formPage(S.protocol, form);
  }

  // --- start -------------------------------------------------------------------------------------------------------

  const languageSelect = document.querySelector("form[action] select[name=language]");
  languageSelect.form.addEventListener("submit", () => {
    localStorage.setItem("observer-language-chosen", "1");
  });
  languageSelect.addEventListener("change", () => languageSelect.form.requestSubmit());
  document.getElementById("send-now").addEventListener("click", () => sendAll());
  window.addEventListener("hashchange", () => render(true));
  window.addEventListener("online", () => { showCounts(); refresh(); sendAll(); });
  window.addEventListener("offline", () => showCounts());
  setInterval(() => { if (navigator.onLine) sendAll(); }, SEND_EVERY_MS);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(CONFIG.sw, { scope: CONFIG.scope }).catch(() => {});
  }
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});

  loadCached().then(async () => {
    showBanner();
    await showCounts();
    render();
    document.body.dataset.ready = "1";
    await refresh();
    await sendAll();
  });
})();
