// #/operators: each grid operator's frequency, load against its capacity and
// renewable share. Data: GET /api/v1/grid-operators (the registry: capacity)
// and GET /api/v1/grid-operators/{id}/status, in 15-minute averages over the
// chosen hours and raw for the newest values.
import { badge, card, el, fmtNumber, getAll, getJSON, seconds, table, setQuery } from './api.js';
import { colors, emptyNote, lineChart } from './charts.js';

const kHours = ['6', '24', '72', '168'];

export async function renderOperators(main, _params, query, ctx) {
  const hours = kHours.includes(query.get('hours')) ? Number(query.get('hours')) : 24;
  const range = el('select', { onchange: (e) => setQuery({ hours: e.target.value }), dataset: { testid: 'hours' } },
    kHours.map((h) => el('option', { value: h, selected: Number(h) === hours }, `last ${h} h`)));
  main.append(el('h1', {}, 'Grid operators'), el('div', { class: 'toolbar' }, range));
  const operators = await getAll('/api/v1/grid-operators');
  if (!ctx.current()) return;
  if (!operators.length) return main.append(card(null, 'No grid operators are registered.'));
  const end = new Date();
  const start = new Date(end.getTime() - hours * 3600e3);
  const series = await Promise.all(operators.map((o) => statusOf(o, start, end, hours)));
  if (!ctx.current()) return;
  main.append(latestTable(operators, series));
  const charts = [
    ['operator-frequency', 'Frequency (Hz)', 'frequency_hz', 'Hz'],
    ['operator-utilisation', 'Utilisation: load / capacity (%)', 'utilisation', '%'],
    ['operator-load', 'Load (MW)', 'load_mw', 'MW'],
    ['operator-renewables', 'Renewable share (%)', 'renewable_share_pct', '%'],
  ];
  const grid = el('div', { class: 'grid two' });
  main.append(grid);
  for (const [name, title, field, unit] of charts) {
    const holder = el('div', { class: 'chart' });
    grid.append(card(title, holder));
    drawField(holder, name, operators, series, field, unit);
  }
}

// Averages per bucket, plus the newest raw sample (the last 15 minutes).
async function statusOf(operator, start, end, hours) {
  const path = `/api/v1/grid-operators/${encodeURIComponent(operator.id)}/status`;
  const [buckets, recent] = await Promise.all([
    getJSON(path, { start: start.toISOString(), end: end.toISOString(), interval: hours > 72 ? '1h' : '15m' }),
    getJSON(path, { start: new Date(end.getTime() - 15 * 60e3).toISOString(), end: end.toISOString() }),
  ]);
  const capacity = operator.capacity_mw;
  for (const b of buckets.buckets) {
    b.utilisation = capacity && b.load_mw !== undefined && b.load_mw !== null ? (100 * b.load_mw) / capacity : null;
  }
  return { buckets: buckets.buckets, latest: recent.status[recent.status.length - 1] || null };
}

function latestTable(operators, series) {
  const rows = operators.map((o, i) => {
    const s = series[i].latest || {};
    const utilisation = o.capacity_mw && s.load_mw != null ? (100 * s.load_mw) / o.capacity_mw : null;
    return el('tr', {},
      el('td', {}, o.id), el('td', {}, o.name || ''), el('td', {}, o.type), el('td', {}, badge(o.status)),
      el('td', { class: 'num' }, fmtNumber(s.frequency_hz, 3)),
      el('td', { class: 'num' }, fmtNumber(s.load_mw, 0)),
      el('td', { class: 'num' }, fmtNumber(o.capacity_mw, 0)),
      el('td', { class: 'num' }, utilisation === null ? '–' : `${fmtNumber(utilisation, 1)} %`),
      el('td', { class: 'num' }, s.renewable_share_pct == null ? '–' : `${fmtNumber(s.renewable_share_pct, 1)} %`),
      el('td', { class: 'num' }, fmtNumber(s.stability_score, 2)));
  });
  return card('Now (newest sample of the last 15 minutes)',
    table(['operator', 'name', 'type', 'status', 'Hz', 'load MW', 'capacity MW', 'utilisation', 'renewables', 'stability'],
      rows, { dataset: { testid: 'operators' } }));
}

// One series per operator on the union of their bucket starts.
function drawField(holder, name, operators, series, field, unit) {
  const xs = [...new Set(series.flatMap((s) => s.buckets.map((b) => seconds(b.start))))].sort((a, b) => a - b);
  if (!xs.length) return emptyNote(holder, 'No grid status in this range.');
  const ys = series.map((s) => {
    const at = new Map(s.buckets.map((b) => [seconds(b.start), b[field] ?? null]));
    return xs.map((x) => at.get(x) ?? null);
  });
  lineChart(holder, name, {
    data: [xs, ...ys],
    height: 220,
    series: operators.map((o, i) => ({ label: o.id, stroke: colors.palette[i % colors.palette.length] })),
    axes: [{ label: unit }],
  });
}
