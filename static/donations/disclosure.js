// Draws the public disclosure chart from the JSON the page carries (json_script); the table beside it holds the
// same figures, so the page is complete without this file. No inline script: the CSP forbids it.
(() => {
  "use strict";

  const COLOURS = ["#0b3b75", "#2f8f5b"];

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") return;
    const spec = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((d, i) => ({
          label: d.label,
          data: d.data,
          backgroundColor: COLOURS[i % COLOURS.length],
          borderColor: COLOURS[i % COLOURS.length],
          borderWidth: 1,
        })),
      },
      options: {
        locale: spec.locale,
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" }, title: { display: false, text: spec.title } },
        scales: { y: { beginAtZero: true } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
