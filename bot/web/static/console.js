/* Mishu console: draws the ECharts charts of a page, submits auto-submitting selects, says why htmx was refused,
   fills canned replies and empties a form htmx sent.
   No inline scripts anywhere (the Content-Security-Policy allows only files served from the package). */
(function () {
  "use strict";
  var charts = [];

  function drawCharts(root) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      if (element.dataset.drawn) { return; }
      var chart = echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(JSON.parse(element.dataset.chart));
      element.dataset.drawn = "1";
      charts.push(chart);
    });
  }

  function ready() {
    drawCharts(document);
    document.querySelectorAll("select.js-autosubmit").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.body.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); });
    document.body.addEventListener("htmx:responseError", function (event) {
      var status = event.detail.xhr.status;
      if (status === 403 || status === 404) { window.alert(document.body.dataset.refused); }
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    // A canned reply fills the reply box (staff can still edit it before sending).
    document.body.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button.js-fill") : null;
      if (!button) { return; }
      var box = document.getElementById(button.dataset.target);
      if (box) { box.value = button.dataset.fill; box.focus(); }
    });
    // A form sent through htmx empties itself once the server took it (the reply box, the question box).
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var form = event.detail.elt;
      if (event.detail.successful && form && form.classList && form.classList.contains("js-reset-on-success")) {
        form.reset();
      }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
