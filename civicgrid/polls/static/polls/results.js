/* Results charts of polls and surveys: the data come from a json_script block (the CSP forbids inline
   scripts); each chart fills the element whose data-chart matches its key. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("poll-charts");
    if (!source || typeof echarts === "undefined") return;
    var charts = [];
    JSON.parse(source.textContent).forEach(function (spec) {
      var el = document.querySelector('[data-chart="' + spec.key + '"]');
      if (!el || el.dataset.drawn) return;
      el.dataset.drawn = "1";
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: {
          type: "category",
          inverse: true,
          data: spec.labels,
          axisLabel: { width: 140, overflow: "truncate" },
        },
        series: [
          {
            type: "bar",
            data: spec.values,
            itemStyle: { color: "#198754" },
            label: { show: true, position: "right" },
          },
        ],
        aria: { enabled: true },
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
