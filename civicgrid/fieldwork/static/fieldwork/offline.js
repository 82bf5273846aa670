/* Offline queue of the field workbench.
   Forms marked data-offline are kept on the device (IndexedDB) when there is no connection, and
   sent when it returns. Each submission carries its idempotency key, so a replay (twice, after a
   crash, from two tabs) is recorded once by the server. Only the user who queued an entry sends it. */
(function () {
  "use strict";
  const status = document.getElementById("offline-status");
  if (!status) return;
  const USER = status.dataset.user;
  const DB = "civicgrid-outbox";
  const STORE = "submissions";

  if ("serviceWorker" in navigator && status.dataset.sw) {
    navigator.serviceWorker.register(status.dataset.sw).then(() => navigator.serviceWorker.ready).then(() => {
      // The first page is loaded before the worker controls it: keep a copy for offline use.
      if (!navigator.serviceWorker.controller && navigator.onLine && "caches" in window) {
        caches.open("civicgrid-fieldwork-v2").then((cache) => cache.add(location.href)).catch(() => undefined);
      }
    }).catch(() => undefined);
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function tx(mode, run) {
    return open().then((db) => new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const result = run(t.objectStore(STORE));
      t.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      t.onerror = () => reject(t.error);
    }));
  }

  const all = () => tx("readonly", (s) => s.getAll());
  const put = (entry) => tx("readwrite", (s) => s.put(entry));
  const remove = (key) => tx("readwrite", (s) => s.delete(key));

  function show(text, kind) {
    status.textContent = text;
    status.className = `alert alert-${kind || "warning"} py-2 small`;
  }

  function refresh() {
    return all().then((entries) => {
      const mine = entries.filter((e) => e.user === USER);
      const failed = mine.filter((e) => e.failed);
      if (failed.length) {
        show(`${status.dataset.failed} ${failed.map((e) => `${e.label}（${e.failed}）`).join("；")}`, "danger");
      } else if (mine.length) {
        show(`${navigator.onLine ? "" : status.dataset.offline + " "}${status.dataset.pending}${mine.map((e) => e.label).join("；")}`);
      } else if (!navigator.onLine) {
        show(status.dataset.offline);
      } else {
        status.className = "alert py-2 small d-none";
      }
      return mine;
    });
  }

  // Fresh key per page view and per queued submission (a cached page must not reuse one).
  function rekey(form) {
    const field = form.querySelector("[name=idempotency_key]");
    if (field) field.value = newKey();
  }
  document.querySelectorAll("form[data-offline]").forEach((form) => {
    rekey(form);
    form.addEventListener("submit", (event) => {
      if (navigator.onLine) return;
      event.preventDefault();
      const data = new FormData(form);
      const entry = {
        key: String(data.get("idempotency_key") || newKey()),
        user: USER,
        action: form.action,
        label: form.dataset.offlineLabel || form.dataset.offline,
        queuedAt: new Date().toISOString(),
        fields: Array.from(data.entries()).filter(([, v]) => !(v instanceof File) || v.size > 0),
      };
      if (!data.get("visited_at")) entry.fields.push(["visited_at", entry.queuedAt]);
      put(entry).then(() => {
        form.reset();
        rekey(form);
        return refresh();
      }).then(() => show(`${status.dataset.queued} ${status.textContent}`));
    });
  });

  let flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    return refresh().then(async (entries) => {
      const sent = [];
      for (const entry of entries.filter((e) => !e.failed)) {
        const body = new FormData();
        entry.fields.forEach(([name, value]) => body.append(name, value));
        let response;
        try {
          response = await fetch(entry.action, {
            method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" },
          });
        } catch (error) {
          break; // still no connection: keep everything for the next try
        }
        if (response.redirected || response.status === 401 || response.status === 403) {
          show(status.dataset.login, "danger");
          return;
        }
        if (response.ok) {
          await remove(entry.key);
          sent.push(entry.label);
        } else if ([400, 404, 409, 413, 422].includes(response.status)) {
          const answer = await response.json().catch(() => ({}));
          const messages = Object.values(answer.errors || {}).flat().map((m) => (m && m.message) || m);
          entry.failed = messages.join(" ") || String(response.status);
          await put(entry);
        } else {
          break; // the server is in trouble: try again later
        }
      }
      const left = await refresh();
      if (sent.length && !left.length) show(`${status.dataset.sent}${sent.join("；")}`, "success");
    }).finally(() => { flushing = false; });
  }

  // Geolocation for the visit form (a worker may refuse it; the visit is recorded without a point).
  document.querySelectorAll("form[data-offline=visit]").forEach((form) => {
    const note = form.querySelector("[data-geo-status]");
    if (!("geolocation" in navigator) || !form.querySelector("[name=lat]")) return;
    navigator.geolocation.getCurrentPosition((position) => {
      form.querySelector("[name=lat]").value = position.coords.latitude.toFixed(6);
      form.querySelector("[name=lng]").value = position.coords.longitude.toFixed(6);
      form.querySelector("[name=accuracy]").value = Math.round(position.coords.accuracy);
      if (note && !note.textContent.trim()) note.textContent = `📍 ±${Math.round(position.coords.accuracy)} m`;
    }, () => undefined, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    const add = form.querySelector("[data-add-problem]");
    if (add) {
      add.addEventListener("click", () => {
        const rows = form.querySelectorAll("[data-problem-row]");
        if (rows.length >= 5) return;
        const copy = rows[0].cloneNode(true);
        copy.querySelectorAll("select, textarea").forEach((el) => { el.value = ""; });
        rows[rows.length - 1].after(copy);
      });
    }
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", refresh);
  flush();
  window.civicgridOutbox = { flush, all };
})();
