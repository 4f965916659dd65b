// weijian 卫健: charts from the JSON embedded in the page, and error messages for htmx requests.
(function () {
  "use strict";

  function toast(text) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var text = "请求失败（" + event.detail.xhr.status + "）";
    try { text = JSON.parse(event.detail.xhr.responseText).error || text; } catch (e) { /* not JSON */ }
    toast(text);
  });
  document.addEventListener("htmx:sendError", function () { toast("无法连接服务器，请检查网络后重试"); });

  function charts() {
    var source = document.getElementById("chart-data");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var unit = data.unit || "";
    var trend = document.getElementById("trend-chart");
    if (trend) {
      echarts.init(trend).setOption({
        title: { text: data.name + "（按月）", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + unit; } },
        grid: { left: 50, right: 20, bottom: 40 },
        xAxis: { type: "category", data: data.trend.map(function (p) { return p.label; }) },
        yAxis: { type: "value", scale: true },
        series: [{ type: "line", name: data.name, connectNulls: false,
                   data: data.trend.map(function (p) { return p.value; }) }]
      });
    }
    var rank = document.getElementById("rank-chart");
    if (rank && data.ranking.length) {
      var rows = data.ranking.slice().reverse();
      echarts.init(rank).setOption({
        title: { text: "下级机构排名", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 110, right: 30, top: 30, bottom: 20 },
        xAxis: { type: "value", scale: true },
        yAxis: { type: "category", data: rows.map(function (r) { return r.ou_name; }), axisLabel: { fontSize: 11, interval: 0 } },
        series: [{ type: "bar", data: rows.map(function (r) { return r.value; }), itemStyle: { color: "#1f5fa8" } }]
      });
    }
    window.addEventListener("resize", function () {
      [trend, rank].forEach(function (el) { if (el && echarts.getInstanceByDom(el)) echarts.getInstanceByDom(el).resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", charts);
  else charts();
})();
