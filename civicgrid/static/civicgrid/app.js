/* Page behaviour without inline scripts (the CSP forbids them). */
(function () {
  "use strict";

  function drawUnitMaps(root) {
    if (typeof L === "undefined") return;
    root.querySelectorAll(".unit-map[data-geojson]").forEach(function (el) {
      if (el.dataset.drawn) return;
      el.dataset.drawn = "1";
      var data = JSON.parse(el.dataset.geojson);
      // No tile server: government intranets are closed, the polygons alone are the map.
      var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
      var layer = L.geoJSON(data, {
        style: function (feature) {
          return feature === data.features[0]
            ? { color: "#0d6efd", weight: 3, fillOpacity: 0.08 }
            : { color: "#198754", weight: 1, fillOpacity: 0.15 };
        },
        onEachFeature: function (feature, shape) {
          shape.bindTooltip(feature.properties.name);
          if (feature !== data.features[0] && feature.properties.url) {
            shape.on("click", function () { window.location = feature.properties.url; });
          }
        },
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    });
  }

  // The report form: tap the map (or use the GPS) to place the problem; nearby open cases of the
  // same category are offered as possible duplicates.
  function setupPickMap(root) {
    if (typeof L === "undefined") return;
    var el = root.querySelector("[data-pick-map]");
    if (!el || el.dataset.drawn) return;
    el.dataset.drawn = "1";
    var form = el.closest("form");
    var lat = form.querySelector("#id_lat"), lng = form.querySelector("#id_lng");
    var label = form.querySelector("[data-pick-label]"), category = form.querySelector("#id_category");
    var map = L.map(el, { attributionControl: false });
    var area = L.geoJSON(JSON.parse(el.dataset.geojson || '{"type":"FeatureCollection","features":[]}'), {
      style: { color: "#198754", weight: 1, fillOpacity: 0.05 },
    }).addTo(map);
    if (area.getLayers().length) map.fitBounds(area.getBounds()); else map.setView([30.285, 120.19], 14);
    var marker = null;
    function place(latitude, longitude) {
      lat.value = latitude.toFixed(6);
      lng.value = longitude.toFixed(6);
      label.textContent = lat.value + ", " + lng.value;
      if (marker) marker.setLatLng([latitude, longitude]); else marker = L.marker([latitude, longitude]).addTo(map);
      checkNearby();
    }
    function checkNearby() {
      if (!lat.value || typeof htmx === "undefined") return;
      var url = category.dataset.nearbyUrl + "?category=" + encodeURIComponent(category.value) +
        "&lat=" + lat.value + "&lng=" + lng.value;
      htmx.ajax("GET", url, { target: "#nearby" });
    }
    if (lat.value && lng.value) place(parseFloat(lat.value), parseFloat(lng.value));
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); });
    category.addEventListener("change", checkNearby);
    var locate = form.querySelector("[data-locate]");
    if (locate && navigator.geolocation) {
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          place(pos.coords.latitude, pos.coords.longitude);
          map.setView([pos.coords.latitude, pos.coords.longitude], 17);
        });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { drawUnitMaps(document); setupPickMap(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawUnitMaps(event.target); });
  // Signing out removes the pages kept for offline use (they hold personal data the worker saw).
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!("caches" in window) || form.dataset.cleared) return;
      event.preventDefault();
      form.dataset.cleared = "1";
      caches.keys()
        .then(function (names) {
          return Promise.all(names.filter(function (n) { return n.indexOf("civicgrid-") === 0; }).map(function (n) { return caches.delete(n); }));
        })
        .catch(function () { return undefined; })
        .then(function () { form.submit(); });
    });
  });
})();
