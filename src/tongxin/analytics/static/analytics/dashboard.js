// The dashboard's charts (Apache ECharts, served locally). The figures come from the JSON
// block the page carries; each mark that has a list behind it carries its address, and a
// click opens it (or the child unit's dashboard).
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var t = JSON.parse(document.getElementById("dashboard-labels").textContent);
  var charts = [];

  function open(url) { if (url) { window.location.href = url; } }

  function draw(name, option, onClick) {
    var node = document.querySelector('[data-chart="' + name + '"]');
    if (!node) { return; }
    var chart = window.echarts.init(node, null, { renderer: "canvas" });
    option.animation = false;
    chart.setOption(option);
    if (onClick) { chart.on("click", onClick); }
    node.setAttribute("data-ready", "1");
    charts.push(chart);
  }

  function names(rows) { return rows.map(function (r) { return r.name || r.month; }); }
  function items(rows) {
    return rows.map(function (r) { return { value: r.value, name: r.name, url: r.url }; });
  }
  function byData(params) { open(params.data && params.data.url); }
  var grid = { left: 8, right: 16, top: 24, bottom: 8, containLabel: true };
  var empty = { show: true, text: t.empty, left: "center", top: "middle",
                textStyle: { fontSize: 13, color: "#6c757d", fontWeight: "normal" } };

  function bars(name, rows, unitLabel, horizontal) {
    var option = {
      tooltip: { trigger: "item" },
      grid: grid,
      title: rows.length ? { show: false } : empty,
      series: [{ type: "bar", name: unitLabel, data: items(rows), itemStyle: { color: "#8b1a1a" } }]
    };
    var categories = { type: "category", data: names(rows), axisLabel: { interval: 0, rotate: horizontal ? 0 : 30 } };
    if (horizontal) { option.yAxis = categories; option.yAxis.inverse = true; option.xAxis = { type: "value" }; }
    else { option.xAxis = categories; option.yAxis = { type: "value" }; }
    draw(name, option, byData);
  }

  function pie(name, rows) {
    draw(name, {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      title: rows.length ? { show: false } : empty,
      series: [{ type: "pie", radius: ["35%", "70%"], data: items(rows), label: { formatter: "{b}" } }]
    }, byData);
  }

  bars("ethnicity", data.ethnicity, t.persons, false);
  bars("origins", data.origins, t.persons, true);
  bars("distribution", data.distribution, t.persons, true);
  bars("requests", data.requests_by_category, t.cases, false);
  bars("on_time", data.on_time_by_department, t.on_time, true);
  bars("disputes_kind", data.disputes_by_kind, t.cases, false);
  pie("housing", data.housing);
  pie("reasons", data.reasons);

  // Age–sex pyramid: men to the left (drawn as negative), women to the right.
  var p = data.pyramid;
  draw("pyramid", {
    tooltip: { trigger: "item", formatter: function (x) { return x.seriesName + " " + x.name + ": " + Math.abs(x.value); } },
    legend: { data: [t.male, t.female], top: 0 },
    grid: grid,
    xAxis: { type: "value", axisLabel: { formatter: function (v) { return Math.abs(v); } } },
    yAxis: { type: "category", data: p.bands },
    series: [
      { type: "bar", name: t.male, stack: "all", itemStyle: { color: "#3b6ea8" },
        data: p.male.map(function (v, i) { return { value: -v, url: p.urls[i]["1"] }; }) },
      { type: "bar", name: t.female, stack: "all", itemStyle: { color: "#b0476b" },
        data: p.female.map(function (v, i) { return { value: v, url: p.urls[i]["2"] }; }) }
    ]
  }, byData);

  draw("sankey", {
    tooltip: { trigger: "item" },
    title: data.sankey.links.length ? { show: false } : empty,
    series: [{
      type: "sankey", left: 8, right: 90, nodeGap: 6, emphasis: { focus: "adjacency" },
      data: data.sankey.nodes, links: data.sankey.links,
      lineStyle: { color: "gradient", opacity: 0.4 }
    }]
  }, function (params) { if (params.dataType === "edge") { byData(params); } });

  var months = data.monthly.map(function (m) { return m.month; });
  function line(key, label, axis, type) {
    return {
      type: type || "bar", name: label, yAxisIndex: axis || 0,
      data: data.monthly.map(function (m) { return { value: m[key], url: key === "in" ? m.url : "" }; })
    };
  }
  draw("monthly", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 48, containLabel: true },
    dataZoom: [{ type: "slider", bottom: 8, startValue: Math.max(months.length - 24, 0) }],
    xAxis: { type: "category", data: months },
    yAxis: [{ type: "value" }, { type: "value", splitLine: { show: false } }],
    series: [
      line("in", t.in), line("out", t.out), line("move_in", t.move_in), line("move_out", t.move_out),
      line("present", t.present, 1, "line")
    ]
  }, byData);

  draw("disputes_month", {
    tooltip: { trigger: "axis" },
    grid: grid,
    xAxis: { type: "category", data: names(data.disputes_by_month) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "line", name: t.cases, data: data.disputes_by_month.map(function (r) { return { value: r.value, url: r.url }; }) }]
  }, byData);

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
