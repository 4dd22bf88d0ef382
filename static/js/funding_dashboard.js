// The funding dashboard's three charts, drawn from the figures the page embeds with json_script
// (#funding-dashboard-data). The same figures are in the tables under each chart, so the page
// says everything without this script.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("funding-dashboard-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var Chart = window.Chart;
    var brand = "#a11d21";
    var allocatedColour = "#5b7c99";
    var reduceMotion = window.matchMedia &&
      window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var numbers = function (values) { return values.map(Number); };
    var yuan = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      minimumFractionDigits: 2, maximumFractionDigits: 2
    });
    var common = {
      responsive: true,
      animation: reduceMotion ? false : undefined,
      plugins: {
        tooltip: {
          callbacks: {
            label: function (context) {
              var label = context.dataset.label ? context.dataset.label + ": " : "";
              var horizontal = context.chart.options.indexAxis === "y";
              return label + yuan.format(horizontal ? context.parsed.x : context.parsed.y);
            }
          }
        }
      },
      scales: { y: { beginAtZero: true } }
    };
    var options = function (extra) { return Object.assign({}, common, extra || {}); };

    var county = document.getElementById("chart-county");
    if (county) {
      new Chart(county, {
        type: "bar",
        data: {
          labels: data.county.labels,
          datasets: [
            { label: data.series.allocated, data: numbers(data.county.allocated), backgroundColor: allocatedColour },
            { label: data.series.spent, data: numbers(data.county.spent), backgroundColor: brand }
          ]
        },
        options: options()
      });
    }

    var category = document.getElementById("chart-category");
    if (category) {
      new Chart(category, {
        type: "bar",
        data: {
          labels: data.category.labels,
          datasets: [
            { label: data.series.spent, data: numbers(data.category.spent), backgroundColor: brand }
          ]
        },
        options: options({ indexAxis: "y", scales: { x: { beginAtZero: true } } })
      });
    }

    var month = document.getElementById("chart-month");
    if (month) {
      new Chart(month, {
        type: "bar",
        data: {
          labels: data.month.labels,
          datasets: [
            { type: "bar", label: data.series.allocated, data: numbers(data.month.allocated), backgroundColor: allocatedColour, order: 2 },
            { type: "bar", label: data.series.spent, data: numbers(data.month.spent), backgroundColor: brand, order: 2 },
            { type: "line", label: data.series.allocated_to_date, data: numbers(data.month.allocated_to_date), borderColor: allocatedColour, backgroundColor: allocatedColour, borderDash: [6, 4], order: 1 },
            { type: "line", label: data.series.spent_to_date, data: numbers(data.month.spent_to_date), borderColor: brand, backgroundColor: brand, order: 1 }
          ]
        },
        options: options()
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
