// Draws the dashboard's charts from the JSON the page carries (json_script); every chart has a table beside it,
// so the page is complete without this file. Colours differ, and so do line dashes and point shapes.
(() => {
  "use strict";

  const COLOURS = ["#0b3b75", "#d9822b", "#2f8f5b", "#b02a37", "#6f42c1", "#0aa2c0", "#6c757d", "#997404"];
  const DASHES = [[], [6, 4], [2, 3], [10, 4, 2, 4]];
  const POINTS = ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "cross", "dash"];

  function dataset(spec, index, type) {
    const colour = COLOURS[index % COLOURS.length];
    const result = {
      label: spec.label,
      data: spec.data,
      backgroundColor: colour,
      borderColor: colour,
      borderWidth: type === "line" ? 2 : 1,
      pointStyle: POINTS[index % POINTS.length],
    };
    if (type === "line") {
      result.borderDash = spec.dashed ? [8, 5] : DASHES[index % DASHES.length];
      result.pointRadius = spec.dashed ? 0 : 2;
      result.fill = false;
      result.stepped = spec.dashed ? false : "before";
    }
    return result;
  }

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") return;
    const spec = JSON.parse(source.textContent);
    const stacked = Boolean(spec.stacked);
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map((d, i) => dataset(d, i, spec.type)) },
      options: {
        locale: spec.locale,
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true } },
          title: { display: false, text: spec.title },
        },
        scales: {
          x: { stacked },
          y: { stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
