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

  document.addEventListener("DOMContentLoaded", draw);
})();
