/* global uPlot */
// uPlot (vendored, loaded as a classic script: the global `uPlot`) wrapped
// for the pages: a chart that fills its container's width, follows resizes,
// and is registered by name in window.metrifyCharts so the end-to-end test
// can read the data a chart was given (tests/e2e/dashboard.test.mjs).
//
// Data is uPlot's: [xs (epoch seconds), ys1, ys2, ...]; a null y is a gap,
// never a zero (spanGaps stays off).

window.metrifyCharts = window.metrifyCharts || {};
const live = new Set();

export const colors = {
  measured: '#2563eb',
  estimated: '#ea580c',
  edited: '#9333ea',
  yesterday: '#94a3b8',
  voltage: '#0891b2',
  pf: '#65a30d',
  temperature: '#dc2626',
  palette: ['#2563eb', '#dc2626', '#16a34a', '#ea580c', '#9333ea', '#0891b2', '#ca8a04', '#db2777'],
};

// series: [{label, stroke, dash, scale, points, width, value}]; axes: the
// y axes as [{scale, label, side}] (side 1 = right).
export function lineChart(container, name, { series, data, axes = [], height = 260, xTime = true }) {
  const width = Math.max(320, container.clientWidth || 800);
  const opts = {
    width,
    height,
    scales: { x: { time: xTime } },
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        width: s.width || 1.5,
        dash: s.dash,
        scale: s.scale || 'y',
        spanGaps: false,
        points: s.points || { show: false },
        value: s.value,
      })),
    ],
    axes: [
      {},
      ...axes.map((a) => ({
        scale: a.scale || 'y',
        label: a.label,
        side: a.side === 1 ? 1 : 3,
        grid: { show: a.side !== 1 },
        size: 60,
      })),
    ],
  };
  const chart = new uPlot(opts, data, container);
  container.dataset.chart = name;
  window.metrifyCharts[name] = chart;
  const observer = new ResizeObserver(() => {
    const w = container.clientWidth;
    if (w > 0 && Math.abs(w - chart.width) > 4) chart.setSize({ width: w, height });
  });
  observer.observe(container);
  live.add({ name, chart, observer });
  return chart;
}

// Points only, for estimated or edited values among measured ones.
export const pointsOnly = (stroke) => ({ show: true, size: 7, stroke, fill: stroke });

// Called by the router on every page change.
export function destroyCharts() {
  for (const entry of live) {
    entry.observer.disconnect();
    entry.chart.destroy();
    delete window.metrifyCharts[entry.name];
  }
  live.clear();
}

export function emptyNote(container, text) {
  container.textContent = text;
  container.classList.add('empty');
}
