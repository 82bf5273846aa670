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

  document.addEventListener("DOMContentLoaded", function () { drawUnitMaps(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawUnitMaps(event.target); });
})();
