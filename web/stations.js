// #/stations[/ID]: a weather station's temperature against the fleet's
// consumption, hourly. Data: GET /api/v1/weather/stations (the list),
// GET /api/v1/weather/stations/{id}/observations (1h averages) and
// GET /api/v1/analytics/consumption (1h sums).
import { card, el, fmtNumber, getAll, getJSON, seconds, table, setQuery } from './api.js';
import { colors, emptyNote, lineChart } from './charts.js';

const kDays = ['2', '7', '14', '30'];

export async function renderStations(main, [id], query, ctx) {
  const days = kDays.includes(query.get('days')) ? Number(query.get('days')) : 7;
  const stations = await getAll('/api/v1/weather/stations');
  if (!ctx.current()) return;
  main.append(el('h1', {}, 'Weather stations'));
  if (!stations.length) return main.append(card(null, 'No weather stations are registered.'));
  const station = stations.find((s) => s.id === id) || stations[0];
  const picker = el('select', {
    dataset: { testid: 'station' },
    onchange: (e) => { location.hash = `#/stations/${encodeURIComponent(e.target.value)}?days=${days}`; },
  }, stations.map((s) => el('option', { value: s.id, selected: s.id === station.id }, `${s.id} ${s.name || ''}`)));
  const range = el('select', { onchange: (e) => setQuery({ days: e.target.value }) },
    kDays.map((d) => el('option', { value: d, selected: Number(d) === days }, `last ${d} days`)));
  main.append(el('div', { class: 'toolbar' }, el('label', {}, 'Station ', picker), range));

  const end = new Date(Math.floor(Date.now() / 3600e3) * 3600e3);
  const start = new Date(end.getTime() - days * 86400e3);
  const params = { start: start.toISOString(), end: end.toISOString(), interval: '1h' };
  const [weather, fleet] = await Promise.all([
    getJSON(`/api/v1/weather/stations/${encodeURIComponent(station.id)}/observations`,
      { ...params, fields: 'temperature_c,humidity_pct,wind_speed_ms,solar_radiation_wm2' }),
    getJSON('/api/v1/analytics/consumption', params),
  ]);
  if (!ctx.current()) return;
  const holder = el('div', { class: 'chart' });
  main.append(card(`${station.name || station.id}: temperature against fleet consumption (hourly)`, holder),
    stationCard(station, weather.buckets));
  drawChart(holder, weather.buckets, fleet.groups[0] ? fleet.groups[0].buckets : []);
}

function drawChart(holder, weather, fleet) {
  const xs = [...new Set([...weather, ...fleet].map((b) => seconds(b.start)))].sort((a, b) => a - b);
  if (!xs.length) return emptyNote(holder, 'No observations or readings in this range.');
  const temp = new Map(weather.map((b) => [seconds(b.start), b.temperature_c ?? null]));
  const kwh = new Map(fleet.map((b) => [seconds(b.start), b.energy_kwh ?? null]));
  lineChart(holder, 'station-temperature', {
    data: [xs, xs.map((x) => temp.get(x) ?? null), xs.map((x) => kwh.get(x) ?? null)],
    height: 300,
    series: [
      { label: 'temperature (°C)', stroke: colors.temperature, scale: 'C' },
      { label: 'fleet consumption (kWh/h)', stroke: colors.measured, scale: 'kWh' },
    ],
    axes: [{ scale: 'C', label: '°C' }, { scale: 'kWh', label: 'kWh', side: 1 }],
  });
}

function stationCard(station, buckets) {
  const temps = buckets.map((b) => b.temperature_c).filter((t) => t !== null && t !== undefined);
  const mean = temps.length ? temps.reduce((a, b) => a + b, 0) / temps.length : null;
  return card('Station', table(['id', 'name', 'provider', 'type', 'status', 'lat', 'lon', 'min °C', 'mean °C', 'max °C'], [
    el('tr', {}, el('td', {}, station.id), el('td', {}, station.name || ''), el('td', {}, station.provider || ''),
      el('td', {}, station.type || ''), el('td', {}, station.status),
      el('td', { class: 'num' }, fmtNumber(station.latitude, 3)), el('td', { class: 'num' }, fmtNumber(station.longitude, 3)),
      el('td', { class: 'num' }, temps.length ? fmtNumber(Math.min(...temps), 1) : '–'),
      el('td', { class: 'num' }, fmtNumber(mean, 1)),
      el('td', { class: 'num' }, temps.length ? fmtNumber(Math.max(...temps), 1) : '–')),
  ], { dataset: { testid: 'station-info' } }));
}
