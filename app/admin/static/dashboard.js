// Draws every dashboard chart with Chart.js (vendor/chart.umd.min.js, served from here,
// no CDN). Each <canvas data-chart="ID"> has its figures in <script type="application/json"
// id="ID"> (built by dashboard_views.chart); the table inside the canvas is its fallback.
(() => {
  if (!window.Chart) return;
  const css = getComputedStyle(document.documentElement);
  const accent = css.getPropertyValue("--accent").trim() || "#1f6feb";
  const muted = css.getPropertyValue("--muted").trim() || "#5b6478";
  const alt = "#f79009";
  const font = { family: "system-ui, sans-serif", size: 11 };
  Chart.defaults.color = muted;
  Chart.defaults.font = { ...Chart.defaults.font, ...font };
  const short = (label) => (label.length > 34 ? `${label.slice(0, 33)}…` : label);

  // The value at the end of each bar (up to a month of them), as the old SVG charts had.
  const valueLabels = {
    id: "valueLabels",
    afterDatasetsDraw(chart) {
      if (chart.config.type !== "bar" || chart.data.labels.length > 31) return;
      const { ctx } = chart;
      const horizontal = chart.options.indexAxis === "y";
      const decimals = chart.options.plugins.valueLabels.decimals;
      ctx.save();
      ctx.fillStyle = muted;
      ctx.font = `${font.size}px ${font.family}`;
      ctx.textAlign = horizontal ? "left" : "center";
      ctx.textBaseline = horizontal ? "middle" : "bottom";
      chart.getDatasetMeta(0).data.forEach((bar, i) => {
        const text = Number(chart.data.datasets[0].data[i]).toFixed(decimals);
        if (horizontal) ctx.fillText(text, bar.x + 4, bar.y);
        else if (Number(text)) ctx.fillText(text, bar.x, bar.y - 2); // no row of zeros
      });
      ctx.restore();
    },
  };

  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    const horizontal = spec.type === "hbar";
    const colour = spec.alt ? alt : accent;
    const box = canvas.parentElement; // Chart.js sizes the canvas to this box
    box.style.position = "relative";
    box.style.height = horizontal ? `${spec.labels.length * 26 + 36}px` : "220px";
    const categories = {
      grid: { display: false },
      ticks: {
        autoSkip: true,
        maxRotation: 0,
        callback(value) { return short(String(this.getLabelForValue(value))); },
      },
    };
    const amounts = { beginAtZero: true, grace: "12%", ticks: { precision: spec.decimals } };
    new Chart(canvas, {
      type: horizontal ? "bar" : spec.type,
      data: {
        labels: spec.labels,
        datasets: [{
          label: spec.unit,
          data: spec.values,
          backgroundColor: colour,
          borderColor: colour,
          pointRadius: spec.labels.length > 60 ? 0 : 3,
        }],
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false }, valueLabels: { decimals: spec.decimals } },
        scales: horizontal ? { y: categories, x: amounts } : { x: categories, y: amounts },
      },
      plugins: [valueLabels],
    });
  }
})();
