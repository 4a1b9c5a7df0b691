// #/ the fleet at a glance. Data: GET /api/v1/overview (meters by status and
// city, open alerts by severity), /metrics (the samples/s rate, polled),
// GET /api/v1/analytics/consumption (today against yesterday, 15 minutes) and
// GET /api/v1/quality/summary (yesterday, per meter: the tiers).
import {
  addDays, badge, card, el, errorBox, fmtNumber, fmtPercent, getJSON, localDate, localMidnight,
  seconds, table,
} from './api.js';
import { colors, emptyNote, lineChart } from './charts.js';

const kPollMs = 5000;
const kRateHistory = 60;  // polls kept for the rate chart: 5 minutes
const kTiers = ['EXCELLENT', 'GOOD', 'FAIR', 'POOR', 'UNKNOWN'];

export async function renderOverview(main, _params, _query, ctx) {
  const top = el('div', { class: 'grid' });
  const consumption = card('Fleet consumption today vs yesterday (kWh per 15 min)');
  const bottom = el('div', { class: 'grid' });
  main.append(el('h1', {}, 'Fleet overview'), top, consumption, bottom);

  const overview = await getJSON('/api/v1/overview');
  if (!ctx.current()) return;
  top.append(metersCard(overview), rateCard(ctx), alertsCard(overview));
  const cities = citiesCard(overview);
  const quality = card('Data quality yesterday');
  bottom.append(quality, cities);
  await Promise.all([
    fillConsumption(consumption, ctx),
    fillQuality(quality, ctx).catch((e) => quality.append(errorBox(e))),
  ]);
}

function metersCard(overview) {
  const statuses = ['ACTIVE', 'MAINTENANCE', 'FAULTY', 'INACTIVE', 'PENDING', 'DECOMMISSIONED'];
  const counts = overview.meters.by_status;
  const order = [...statuses.filter((s) => s in counts), ...Object.keys(counts).filter((s) => !statuses.includes(s))];
  const rows = order.map((status) => [status, counts[status]]).map(([status, n]) =>
    el('tr', {}, el('td', {}, badge(status)),
      el('td', { class: 'num' }, el('a', { href: `#/meters?status=${status}` }, fmtNumber(n, 0)))));
  return card('Meters',
    el('div', { class: 'big', dataset: { testid: 'meters-total' } }, fmtNumber(overview.meters.total, 0)),
    el('div', { class: 'muted' },
      `${overview.grid_operators} grid operators · ${overview.weather_stations} weather stations`,
      overview.vee_pending_meters ? ` · ${overview.vee_pending_meters} meters awaiting validation` : ''),
    table(['status', 'meters'], rows, { dataset: { testid: 'meters-by-status' } }));
}

// Readings per second from two scrapes of /metrics: the meter readings
// ingest accepted (metrify_ingest_samples_total of kind reading, every
// outcome but rejected).
function rateCard(ctx) {
  const value = el('div', { class: 'big', dataset: { testid: 'ingest-rate' } }, '…');
  const note = el('div', { class: 'muted' }, 'readings/s accepted, over the last 5 s');
  const holder = el('div', { class: 'chart' });
  const history = [[], []];
  let last = null;
  let chart = null;
  const poll = async () => {
    try {
      const text = await (await fetch('/metrics')).text();
      const total = acceptedReadings(text);
      const now = performance.now();
      if (last && ctx.current()) {
        const rate = Math.max(0, (total - last.total) / ((now - last.at) / 1000));
        value.textContent = fmtNumber(rate, rate < 10 ? 1 : 0);
        history[0].push(Date.now() / 1000);
        history[1].push(rate);
        if (history[0].length > kRateHistory) history.forEach((h) => h.shift());
        // From the second rate on: one point gives uPlot no time range.
        if (chart) chart.setData(history);
        else if (history[0].length > 1) {
          chart = lineChart(holder, 'ingest-rate', {
            data: history, height: 110, series: [{ label: 'readings/s', stroke: colors.measured }], axes: [{}],
          });
        }
      }
      last = { total, at: now };
    } catch {
      value.textContent = '–';
    }
  };
  poll();
  const timer = setInterval(poll, kPollMs);
  ctx.onLeave(() => clearInterval(timer));
  return card('Ingest rate', value, note, holder);
}

// No series yet: nothing was ingested, a zero.
function acceptedReadings(text) {
  let total = 0;
  const line = /^metrify_ingest_samples_total\{([^}]*)\} ([0-9.eE+-]+)$/gm;
  for (const [, labels, value] of text.matchAll(line)) {
    if (labels.includes('kind="reading"') && !labels.includes('outcome="rejected"')) total = (total ?? 0) + Number(value);
  }
  return total;
}

function alertsCard(overview) {
  if (!overview.alerts) return card('Open alerts', el('div', { class: 'muted' }, 'Alerts are not enabled.'));
  const rows = ['CRITICAL', 'WARNING', 'INFO'].map((sev) =>
    el('tr', {}, el('td', {}, badge(sev)),
      el('td', { class: 'num' },
        el('a', { href: `#/alerts?state=OPEN&severity=${sev}` }, fmtNumber(overview.alerts.by_severity[sev] ?? 0, 0)))));
  return card('Open alerts',
    el('div', { class: 'big', dataset: { testid: 'alerts-open' } }, fmtNumber(overview.alerts.open, 0)),
    el('div', { class: 'muted' }, `${overview.alerts.by_state.ACKNOWLEDGED ?? 0} of them acknowledged`),
    table(['severity', 'open'], rows, { dataset: { testid: 'alerts-by-severity' } }));
}

function citiesCard(overview) {
  const cities = overview.meters.by_city;
  const rows = cities.map((c) =>
    el('tr', {},
      el('td', {}, c.city === null ? el('i', {}, 'no city') :
        el('a', { href: `#/meters?city=${encodeURIComponent(c.city)}` }, c.city)),
      el('td', { class: 'num' }, fmtNumber(c.meters, 0))));
  return card(`Cities (${cities.length})`,
    el('div', { class: 'scroll' }, table(['city', 'meters'], rows, { dataset: { testid: 'cities' } })));
}

// Both days on today's time axis: yesterday's buckets are moved a day on.
async function fillConsumption(section, ctx) {
  const today = localMidnight(0);
  const body = await getJSON('/api/v1/analytics/consumption', {
    interval: '15m',
    start: localMidnight(-1).toISOString(),
    end: localMidnight(1).toISOString(),
  });
  if (!ctx.current()) return;
  const buckets = body.groups[0] ? body.groups[0].buckets : [];
  const cut = today.getTime() / 1000;
  const xs = [], todays = [], yesterdays = [];
  const byStart = new Map(buckets.map((b) => [seconds(b.start), b.energy_kwh]));
  for (const b of buckets) {
    const t = seconds(b.start);
    if (t < cut) continue;
    xs.push(t);
    todays.push(b.energy_kwh ?? null);
    yesterdays.push(byStart.get(t - 86400) ?? null);
  }
  const holder = el('div', { class: 'chart' });
  section.append(holder);
  if (!xs.length) return emptyNote(holder, 'No readings in these two days.');
  lineChart(holder, 'fleet-consumption', {
    data: [xs, todays, yesterdays],
    series: [
      { label: `today ${localDate(today)}`, stroke: colors.measured, width: 2 },
      { label: `yesterday ${localDate(addDays(today, -1))}`, stroke: colors.yesterday, dash: [6, 4] },
    ],
    axes: [{ label: 'kWh' }],
  });
}

// The fleet's quality yesterday as one group: its interval counts and the
// meters per tier (a group per meter would be megabytes at 10,000 meters).
async function fillQuality(section, ctx) {
  const day = localMidnight(-1);
  const body = await getJSON('/api/v1/quality/summary', {
    start: localDate(day), end: localDate(localMidnight(0)), group_by: 'none',
  });
  if (!ctx.current()) return;
  const fleet = body.groups[0] ?? { meters: 0, meters_below: 0, meters_by_tier: {} };
  const sums = Object.fromEntries(
    ['expected', 'measured', 'estimated', 'edited', 'invalid', 'missing'].map((k) => [k, fleet[k] ?? 0]));
  const rows = kTiers.map((t) =>
    el('tr', {}, el('td', {}, badge(t)), el('td', { class: 'num' }, fmtNumber(fleet.meters_by_tier[t] ?? 0, 0))));
  section.append(
    el('div', { class: 'muted' }, `${body.first_day}: ${fleet.meters_below} of ${fleet.meters} meters below the thresholds`),
    sharesBar(sums),
    table(['tier', 'meters'], rows, { dataset: { testid: 'quality-tiers' } }));
}

export function sharesBar(sums) {
  const total = sums.expected || 1;
  const parts = ['measured', 'estimated', 'edited', 'invalid', 'missing'].map((k) =>
    el('span', { class: `share share-${k}`, style: `flex-grow:${sums[k]}`, title: `${k}: ${fmtPercent(sums[k] / total)}` }));
  const legend = ['measured', 'estimated', 'edited', 'invalid', 'missing'].map((k) =>
    el('span', { class: 'legend-item' }, el('i', { class: `share-${k}` }), `${k} ${fmtPercent(sums[k] / total)}`));
  return el('div', {}, el('div', { class: 'shares' }, parts), el('div', { class: 'legend' }, legend));
}
