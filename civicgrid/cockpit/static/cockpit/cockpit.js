/* Cockpit charts: the data come from a json_script block (the CSP forbids inline scripts); each chart
   fills the element whose data-chart matches its key, and a click on a bar or slice opens its cases. */
(function () {
  "use strict";

  function option(spec) {
    if (spec.type === "pie") {
      return {
        tooltip: { trigger: "item" },
        color: spec.colors,
        series: [
          {
            type: "pie",
            radius: ["35%", "70%"],
            data: spec.labels.map(function (label, i) { return { name: label, value: spec.values[i] }; }),
            label: { formatter: "{b} {c}" },
          },
        ],
        aria: { enabled: true },
      };
    }
    return {
      grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: spec.labels, axisLabel: { width: 120, overflow: "truncate" } },
      series: [{ type: "bar", data: spec.values, itemStyle: { color: "#0d6efd" }, label: { show: true, position: "right" } }],
      aria: { enabled: true },
    };
  }

  function draw() {
    var source = document.getElementById("cockpit-charts");
    if (!source || typeof echarts === "undefined") return;
    var charts = [];
    JSON.parse(source.textContent).forEach(function (spec) {
      var el = document.querySelector('[data-chart="' + spec.key + '"]');
      if (!el || el.dataset.drawn) return;
      el.dataset.drawn = "1";
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(spec));
      chart.on("click", function (params) {
        var url = spec.urls[params.dataIndex];
        if (url) window.location.href = url;
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  // The grid map: polygons alone (no tile server on a government intranet), coloured by the grid's
  // worst light or by its score; a click opens the grid's open cases.
  var COLOURS = { red: "#dc3545", yellow: "#ffc107", green: "#198754", none: "#adb5bd" };

  function drawMap() {
    var source = document.getElementById("cockpit-map");
    var el = document.querySelector(".cockpit-map");
    if (!source || !el || typeof L === "undefined" || el.dataset.drawn) return;
    el.dataset.drawn = "1";
    var data = JSON.parse(source.textContent);
    var grids = {};
    data.grids.forEach(function (grid) { grids[grid.id] = grid; });
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    map.setView([30.285, 120.19], 13);
    if (!data.boundaries) return;
    var mode = "light";
    function style(feature) {
      var p = grids[feature.id];
      var colour = COLOURS[mode === "score" ? p.score_colour : p.light] || COLOURS.none;
      return { color: "#495057", weight: 1, fillColor: colour, fillOpacity: 0.6 };
    }
    // The boundaries change seldom: they come apart, from an address the browser may keep.
    fetch(data.boundaries, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (shapes) {
        shapes.features = shapes.features.filter(function (feature) { return grids[feature.id]; });
        var layer = L.geoJSON(shapes, {
          style: style,
          onEachFeature: function (feature, shape) {
            var p = grids[feature.id];
            var url = data.grid_url + p.id;
            var score = p.score === null ? "" : " · " + p.score;
            shape.bindTooltip(p.name + " · 在办 " + p.open + " · 红 " + p.red + " · 黄 " + p.yellow + score);
            shape.on("click", function () { window.location.href = url; });
            // For keyboards and tests: every grid is a focusable link-like element.
            shape.on("add", function () {
              var path = shape.getElement && shape.getElement();
              if (!path) return;
              path.setAttribute("data-grid", p.id);
              path.setAttribute("data-light", p.light);
              path.setAttribute("tabindex", "0");
              path.setAttribute("role", "link");
              path.setAttribute("aria-label", p.name);
              path.addEventListener("keydown", function (e) {
                if (e.key === "Enter") window.location.href = url;
              });
            });
          },
        }).addTo(map);
        if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
        document.querySelectorAll('input[name="map-colour"]').forEach(function (input) {
          input.addEventListener("change", function () {
            mode = input.value;
            layer.setStyle(style);
          });
        });
      })
      .catch(function () {
        el.insertAdjacentHTML("beforeend", '<p class="text-danger small p-2 position-relative" style="z-index: 500">网格边界加载失败，请刷新页面重试。</p>');
      });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("DOMContentLoaded", drawMap);
})();
