/* 微商圈: search from the browser's position; pick a merchant's location on a map (no inline scripts). */
(function () {
  "use strict";

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function locate(onPlace, onFail) {
    if (!navigator.geolocation) { onFail(); return; }
    navigator.geolocation.getCurrentPosition(
      function (pos) { onPlace(pos.coords.latitude, pos.coords.longitude); },
      onFail,
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  }

  // The search form: "use my position" fills the hidden lat/lng and searches again; "by my address"
  // clears them, and the server searches from the resident's home.
  function setupSearch(root) {
    root.querySelectorAll("[data-market-locate]").forEach(function (button) {
      if (button.dataset.bound) return;
      button.dataset.bound = "1";
      var form = button.closest("form");
      var status = form.querySelector("[data-locate-status]");
      if (!navigator.geolocation) { button.hidden = true; return; }
      button.addEventListener("click", function () {
        status.textContent = button.dataset.waiting;
        locate(function (lat, lng) {
          form.querySelector("[name=lat]").value = lat.toFixed(6);
          form.querySelector("[name=lng]").value = lng.toFixed(6);
          status.textContent = "";
          submit(form);
        }, function () { status.textContent = button.dataset.failed; });
      });
    });
    root.querySelectorAll("[data-market-home]").forEach(function (button) {
      if (button.dataset.bound) return;
      button.dataset.bound = "1";
      button.addEventListener("click", function () {
        var form = button.closest("form");
        form.querySelector("[name=lat]").value = "";
        form.querySelector("[name=lng]").value = "";
        submit(form);
      });
    });
  }

  // The merchant form: tap the map (the communities' outlines; no tile server on closed networks)
  // or stand in the shop and use the phone's position.
  function setupPicker(root) {
    var el = root.querySelector("[data-market-pick-map]");
    if (!el || el.dataset.drawn || typeof L === "undefined") return;
    el.dataset.drawn = "1";
    var form = el.closest("form");
    var lat = form.querySelector("#id_lat"), lng = form.querySelector("#id_lng");
    var status = form.querySelector("[data-market-pick-status]");
    var map = L.map(el, { attributionControl: false });
    var area = L.geoJSON(JSON.parse(el.dataset.geojson || '{"type":"FeatureCollection","features":[]}'), {
      style: { color: "#198754", weight: 1, fillOpacity: 0.05 },
      onEachFeature: function (feature, shape) { shape.bindTooltip(feature.properties.name); },
    }).addTo(map);
    if (area.getLayers().length) map.fitBounds(area.getBounds()); else map.setView([30.285, 120.19], 14);
    var marker = null;
    function place(latitude, longitude) {
      lat.value = latitude.toFixed(6);
      lng.value = longitude.toFixed(6);
      if (marker) marker.setLatLng([latitude, longitude]); else marker = L.marker([latitude, longitude]).addTo(map);
    }
    function fromInputs() {
      var a = parseFloat(lat.value), b = parseFloat(lng.value);
      if (!isNaN(a) && !isNaN(b)) place(a, b);
    }
    fromInputs();
    lat.addEventListener("change", fromInputs);
    lng.addEventListener("change", fromInputs);
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); });
    var here = form.querySelector("[data-market-here]");
    if (here) {
      if (!navigator.geolocation) { here.hidden = true; return; }
      here.addEventListener("click", function () {
        locate(function (a, b) { place(a, b); map.setView([a, b], 17); status.textContent = ""; },
          function () { status.textContent = here.dataset.failed; });
      });
    }
  }

  function setup(root) { setupSearch(root); setupPicker(root); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setup(document); });
  } else {
    setup(document);
  }
})();
