// #/meters: the registry's meter list, filtered and paged (never the whole
// fleet at once). #/meters/ID: one meter's readings in the validated view
// (GET /api/v1/smart-meters/{id}/readings), its quality per day
// (GET /api/v1/quality/meters/{id}) and its alerts (GET /api/v1/alerts).
import {
  addDays, badge, card, el, errorBox, filtersOf, fmtNumber, fmtPercent, fmtTime, getJSON, localDate,
  localMidnight, parseLocalDate, seconds, setQuery, table, url,
} from './api.js';
import { colors, emptyNote, lineChart, pointsOnly } from './charts.js';
import { sharesBar } from './overview.js';

const kPageSize = 50;
const kStatuses = ['', 'PENDING', 'ACTIVE', 'INACTIVE', 'MAINTENANCE', 'FAULTY', 'DECOMMISSIONED'];
const kSegments = ['', 'residential', 'commercial', 'industrial'];
const kIntervals = ['raw', '15m', '1h', '1d'];
const kFlaggedShown = 200;

function select(name, choices, current, labelFor = (c) => c || 'any') {
  return el('select', { name, dataset: { testid: `filter-${name}` } },
    choices.map((c) => el('option', { value: c, selected: c === current }, labelFor(c))));
}

// ---- the list ----------------------------------------------------------------

export async function renderMeterList(main, _params, query, ctx) {
  const filters = filtersOf(query, ['status', 'city', 'segment', 'operator']);
  const page = Number(query.get('page') || 1);
  main.append(el('h1', {}, 'Meters'), searchForm(filters));
  const body = await getJSON('/api/v1/smart-meters', { ...filters, page, page_size: kPageSize });
  if (!ctx.current()) return;
  const rows = body.items.map((m) => el('tr', {},
    el('td', {}, el('a', { href: `#/meters/${encodeURIComponent(m.id)}` }, m.id)),
    el('td', {}, badge(m.status)), el('td', {}, m.city || '–'), el('td', {}, m.segment),
    el('td', {}, m.grid_operator_id || '–'), el('td', {}, m.weather_station_id || '–')));
  const last = Math.max(1, Math.ceil(body.total_count / kPageSize));
  main.append(card(null,
    el('div', { class: 'muted', dataset: { testid: 'meter-count' } },
      `${fmtNumber(body.total_count, 0)} meters · page ${page} of ${last}`),
    table(['id', 'status', 'city', 'segment', 'operator', 'station'], rows, { dataset: { testid: 'meter-list' } }),
    pager(page, body.has_next, (p) => setQuery({ ...filters, page: p }))));
}

function searchForm(filters) {
  const id = el('input', { name: 'id', placeholder: 'Meter id, e.g. SM000123', dataset: { testid: 'meter-id' } });
  const city = el('input', { name: 'city', placeholder: 'City', value: filters.city });
  const operator = el('input', { name: 'operator', placeholder: 'Operator id', value: filters.operator });
  const status = select('status', kStatuses, filters.status);
  const segment = select('segment', kSegments, filters.segment);
  const form = el('form', { class: 'toolbar' },
    el('label', {}, 'Open ', id), el('button', { type: 'submit' }, 'Go'),
    el('span', { class: 'sep' }),
    el('label', {}, 'Status ', status), el('label', {}, 'City ', city),
    el('label', {}, 'Segment ', segment), el('label', {}, 'Operator ', operator),
    el('button', { type: 'button', onclick: () => setQuery({
      status: status.value, city: city.value.trim(), segment: segment.value, operator: operator.value.trim(),
    }) }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (id.value.trim()) location.hash = `#/meters/${encodeURIComponent(id.value.trim())}`;
  });
  return form;
}

export function pager(page, hasNext, go) {
  return el('div', { class: 'pager' },
    el('button', { disabled: page <= 1, onclick: () => go(page - 1), dataset: { testid: 'prev-page' } }, '← previous'),
    el('span', {}, `page ${page}`),
    el('button', { disabled: !hasNext, onclick: () => go(page + 1), dataset: { testid: 'next-page' } }, 'next →'));
}

// ---- one meter ---------------------------------------------------------------

// The range is local days [from, to] inclusive; default yesterday and today.
function rangeOf(query) {
  const from = query.get('from') ? parseLocalDate(query.get('from')) : localMidnight(-1);
  const to = query.get('to') ? parseLocalDate(query.get('to')) : localMidnight(0);
  const interval = kIntervals.includes(query.get('interval')) ? query.get('interval') : 'raw';
  return { from, to: to < from ? from : to, interval };
}

export async function renderMeter(main, [id], query, ctx) {
  const range = rangeOf(query);
  const meter = await getJSON(`/api/v1/smart-meters/${encodeURIComponent(id)}`);
  if (!ctx.current()) return;
  const readingsParams = {
    start: range.from.toISOString(),
    end: addDays(range.to, 1).toISOString(),
    interval: range.interval,
  };
  const csv = url(`/api/v1/smart-meters/${encodeURIComponent(id)}/readings`, { ...readingsParams, format: 'csv' });
  main.append(
    el('h1', {}, `Meter ${meter.id} `, badge(meter.status)),
    el('div', { class: 'muted' }, [meter.city, meter.segment, meter.grid_operator_id, meter.weather_station_id,
      meter.timezone].filter(Boolean).join(' · ')),
    rangeForm(range, csv, `${meter.id}.csv`));
  const energy = card('Energy (kWh per interval, validated view)');
  const electrical = card('Voltage and power factor');
  const flagged = card('Intervals not measured as sent');
  const quality = card('Quality per day');
  const alerts = card('Alerts of this meter');
  main.append(energy, electrical, el('div', { class: 'grid two' }, flagged, alerts), quality);
  await Promise.all([
    fillReadings(id, readingsParams, range.interval, { energy, electrical, flagged }, ctx)
      .catch((e) => energy.append(errorBox(e))),
    fillQuality(id, range, quality, ctx).catch((e) => quality.append(errorBox(e))),
    fillAlerts(id, alerts, ctx).catch((e) => alerts.append(errorBox(e))),
  ]);
}

function rangeForm(range, csvHref, csvName) {
  const from = el('input', { type: 'date', name: 'from', value: localDate(range.from), dataset: { testid: 'range-from' } });
  const to = el('input', { type: 'date', name: 'to', value: localDate(range.to), dataset: { testid: 'range-to' } });
  const interval = select('interval', kIntervals, range.interval, (c) => c);
  const form = el('form', { class: 'toolbar' },
    el('label', {}, 'From ', from), el('label', {}, 'to ', to), el('label', {}, 'Interval ', interval),
    el('button', { type: 'submit', dataset: { testid: 'range-apply' } }, 'Show'),
    el('span', { class: 'sep' }),
    el('a', { href: csvHref, download: csvName, class: 'button', dataset: { testid: 'csv-link' } }, 'Download CSV'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setQuery({ from: from.value, to: to.value, interval: interval.value });
  });
  return form;
}

async function fillReadings(id, params, interval, cards, ctx) {
  const fields = 'energy_kwh,voltage_v,power_factor';
  const body = await getJSON(`/api/v1/smart-meters/${encodeURIComponent(id)}/readings`, { ...params, fields });
  if (!ctx.current()) return;
  if (interval === 'raw') return drawRaw(body.readings, cards);
  drawBuckets(body.buckets, cards);
}

// One series per status so estimates and edits look different; an interval
// without energy (MISSING, INVALID) is null in every series: a gap.
function drawRaw(readings, { energy, electrical, flagged }) {
  const xs = [], measured = [], estimated = [], edited = [], volts = [], pf = [];
  for (const r of readings) {
    xs.push(seconds(r.timestamp));
    const e = r.energy_kwh ?? null;
    measured.push(r.status === 'MEASURED' ? e : null);
    estimated.push(r.status === 'ESTIMATED' ? e : null);
    edited.push(r.status === 'EDITED' ? e : null);
    volts.push(r.voltage_v ?? null);
    pf.push(r.power_factor ?? null);
  }
  const holder = el('div', { class: 'chart' });
  energy.append(holder, statusCounts(readings));
  if (!xs.length) return emptyNote(holder, 'No readings in this range.');
  lineChart(holder, 'meter-energy', {
    data: [xs, measured, estimated, edited],
    series: [
      { label: 'measured', stroke: colors.measured },
      { label: 'estimated', stroke: colors.estimated, dash: [5, 4], width: 2, points: pointsOnly(colors.estimated) },
      { label: 'edited', stroke: colors.edited, dash: [2, 3], width: 2, points: pointsOnly(colors.edited) },
    ],
    axes: [{ label: 'kWh' }],
  });
  drawElectrical(electrical, xs, volts, pf);
  flaggedTable(flagged, readings.filter((r) => r.status !== 'MEASURED' || r.rule || r.fired));
}

function statusCounts(readings) {
  const counts = {};
  for (const r of readings) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return el('div', { class: 'legend', dataset: { testid: 'status-counts' } },
    Object.entries(counts).map(([s, n]) => el('span', { class: 'legend-item' }, badge(s), ` ${n}`)));
}

// Buckets: the energy, and points on buckets holding estimates or edits.
function drawBuckets(buckets, { energy, electrical, flagged }) {
  const xs = [], sums = [], withEstimates = [], withEdits = [], volts = [], pf = [];
  const totals = { expected: 0, measured: 0, estimated: 0, edited: 0, invalid: 0, missing: 0 };
  for (const b of buckets) {
    xs.push(seconds(b.start));
    const e = b.energy_kwh ?? null;
    sums.push(e);
    withEstimates.push(b.shares && b.shares.estimated > 0 ? e : null);
    withEdits.push(b.shares && b.shares.edited > 0 ? e : null);
    volts.push(b.voltage_v ?? null);
    pf.push(b.power_factor ?? null);
    totals.expected += b.expected || 0;
    for (const k of ['measured', 'estimated', 'edited', 'invalid', 'missing'])
      totals[k] += (b.shares ? b.shares[k] : 0) * (b.expected || 0);
  }
  const holder = el('div', { class: 'chart' });
  energy.append(holder, sharesBar(totals));
  if (!xs.length) return emptyNote(holder, 'No readings in this range.');
  lineChart(holder, 'meter-energy', {
    data: [xs, sums, withEstimates, withEdits],
    series: [
      { label: 'energy', stroke: colors.measured },
      { label: 'has estimates', stroke: colors.estimated, width: 0, points: pointsOnly(colors.estimated) },
      { label: 'has edits', stroke: colors.edited, width: 0, points: pointsOnly(colors.edited) },
    ],
    axes: [{ label: 'kWh' }],
  });
  drawElectrical(electrical, xs, volts, pf);
  flagged.append(el('div', { class: 'muted' }, 'Per interval with interval "raw".'));
}

function drawElectrical(section, xs, volts, pf) {
  const holder = el('div', { class: 'chart' });
  section.append(holder);
  if (!volts.some((v) => v !== null) && !pf.some((v) => v !== null)) {
    return emptyNote(holder, 'The meter sent no voltage or power factor in this range.');
  }
  lineChart(holder, 'meter-electrical', {
    data: [xs, volts, pf],
    height: 220,
    series: [
      { label: 'voltage (V)', stroke: colors.voltage, scale: 'V' },
      { label: 'power factor', stroke: colors.pf, scale: 'pf' },
    ],
    axes: [{ scale: 'V', label: 'V' }, { scale: 'pf', label: 'power factor', side: 1 }],
  });
}

function flaggedTable(section, readings) {
  if (!readings.length) return section.append(el('div', { class: 'muted' }, 'Every interval was measured and passed.'));
  const rows = readings.slice(0, kFlaggedShown).map((r) => el('tr', { dataset: { status: r.status } },
    el('td', { class: 'time' }, fmtTime(r.timestamp)), el('td', {}, badge(r.status)),
    el('td', {}, r.method || r.rule || ''), el('td', {}, (r.fired || []).join(', ')),
    el('td', { class: 'num' }, fmtNumber(r.energy_kwh, 3)), el('td', { class: 'num' }, fmtNumber(r.quality, 2))));
  section.append(table(['interval end', 'status', 'rule / method', 'fired', 'kWh', 'quality'], rows,
    { dataset: { testid: 'flagged' }, class: 'compact' }));
  if (readings.length > kFlaggedShown) section.append(el('div', { class: 'muted' }, `… ${readings.length - kFlaggedShown} more`));
}

async function fillQuality(id, range, section, ctx) {
  const body = await getJSON(`/api/v1/quality/meters/${encodeURIComponent(id)}`, {
    start: localDate(range.from), end: localDate(addDays(range.to, 1)),
  });
  if (!ctx.current()) return;
  const row = (label, d, attrs = {}) => el('tr', attrs,
    el('td', {}, label), el('td', { class: 'num' }, d.expected), el('td', { class: 'num' }, d.measured),
    el('td', { class: 'num' }, d.estimated), el('td', { class: 'num' }, d.edited),
    el('td', { class: 'num' }, d.invalid), el('td', { class: 'num' }, d.missing),
    el('td', { class: 'num' }, fmtPercent(d.completeness)), el('td', { class: 'num' }, fmtPercent(d.validity)),
    el('td', { class: 'num' }, fmtNumber(d.quality, 2)), el('td', {}, badge(d.tier || 'UNKNOWN')),
    el('td', { class: 'num' }, fmtNumber(d.energy_kwh, 2)),
    el('td', {}, Object.entries(d.rules_fired || {}).map(([k, n]) => `${k} ${n}`).join(', ')));
  const rows = body.days.map((d) => row(d.date, d));
  rows.push(row('total', body.total, { class: 'total' }));
  section.append(table(['day', 'due', 'measured', 'estimated', 'edited', 'invalid', 'missing', 'complete',
    'valid', 'quality', 'tier', 'kWh', 'rules fired'], rows, { dataset: { testid: 'meter-quality' }, class: 'compact' }));
}

async function fillAlerts(id, section, ctx) {
  const source = `meter:${id}`;
  const body = await getJSON('/api/v1/alerts', { source, page_size: 20 });
  if (!ctx.current()) return;
  if (!body.items.length) return section.append(el('div', { class: 'muted' }, 'No alerts.'));
  const rows = body.items.map((a) => el('tr', {},
    el('td', {}, badge(a.severity)), el('td', {}, badge(a.state)), el('td', {}, a.rule),
    el('td', {}, a.message), el('td', { class: 'time' }, fmtTime(a.last_seen))));
  section.append(table(['severity', 'state', 'rule', 'message', 'last seen'], rows, { class: 'compact' }),
    el('a', { href: `#/alerts?source=${encodeURIComponent(source)}` }, `all ${body.total_count} alerts →`));
}
