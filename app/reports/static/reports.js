// Draws each <canvas data-chart> from the table it names (the table stays for screen readers).
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var colours = ["#1f6f8b", "#e07a1f", "#5a9e3a", "#8b3a8b"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var table = document.getElementById(canvas.dataset.table);
    if (!table) { return; }
    var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    var labels = rows.map(function (tr) { return tr.cells[0].textContent.trim(); });
    var series = (canvas.dataset.series || "1").split(",").map(Number);
    var datasets = series.map(function (column, i) {
      return {
        label: headers[column],
        data: rows.map(function (tr) {
          var cell = tr.cells[column];
          var value = cell && cell.dataset.value;
          return value === undefined ? null : Number(value);
        }),
        backgroundColor: colours[i % colours.length],
        borderColor: colours[i % colours.length],
        tension: 0.2
      };
    });
    new Chart(canvas, {
      type: canvas.dataset.chart === "line" ? "line" : "bar",
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { y: { beginAtZero: true } }
      }
    });
  });
})();
