// The dashboard end to end (docs/dashboard.md): a real `metrify serve` on
// 127.0.0.1 with a fresh data directory, two days of a simulated fleet, and
// every page in headless Chromium driven by playwright-core.
//
//   node tests/e2e/dashboard.test.mjs BUILD/metrify ARTIFACT_DIR
//
// Checks: each page loads without console errors or page errors; the meter
// chart has data; ESTIMATED and EDITED intervals have their own series and a
// MISSING interval is a null (a gap) in the chart's data; acknowledging an
// alert on the alerts page changes its state in the API; the page requests
// nothing but the server's origin. Screenshots of each page go to
// ARTIFACT_DIR. The server is stopped (SIGTERM) at the end, also on failure.
// Prints "N passed, N failed" and exits non-zero on any failure.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MetrifyServer, runMetrify, waitFor as waitUntil, waitForPipeline } from './metrify_server.mjs';

const [binary, artifacts] = process.argv.slice(2);
if (!binary || !artifacts) {
  console.error('usage: node dashboard.test.mjs METRIFY_BINARY ARTIFACT_DIR');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const { chromium } = await import('playwright-core').catch((error) => {
  console.log(`FAIL playwright-core is not installed (${error.message}): run scripts/setup (npm ci in tests/e2e)`);
  console.log('0 passed, 1 failed');
  process.exit(1);
});

const kTestMeter = 'E2E0001';  // our own meter: a linear estimate, a long gap, an edit
const kDeadline = Date.now() + 150_000;
const results = [];
let server = null;
let browser = null;
let workDir = null;

// ---- the server --------------------------------------------------------------

// Waits within the test's deadline, and not for a server that has exited.
const waitFor = (what, check, timeoutMs = 30_000) =>
  waitUntil(what, check, { timeoutMs, deadline: kDeadline, server });

async function startServer() {
  workDir = mkdtempSync(join(tmpdir(), 'metrify-e2e-'));
  server = new MetrifyServer(binary, join(workDir, 'data'), join(artifacts, 'server.log'));
  return server.start({ deadline: kDeadline });
}

const run = (args) => runMetrify(binary, args);

// ---- the data ----------------------------------------------------------------

const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const kQuarter = 900_000;

async function api(base, path, options = {}) {
  const response = await fetch(base + path, {
    ...options,
    headers: { 'Content-Type': 'application/json', ...(options.headers || {}) },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${options.method || 'GET'} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// Two days of the fleet, then our own meter: yesterday's quarter hours (UTC)
// without 10:00–11:00 (filled by a linear estimate) and 14:00–17:30 (longer
// than linear estimation reaches and without a history: stays MISSING).
async function loadData(base) {
  const now = Date.now();
  const dayStart = (days) => { const d = new Date(now); d.setUTCHours(0, 0, 0, 0); return d.getTime() + days * 86400_000; };
  const start = iso(dayStart(-2));
  const end = iso(Math.floor(now / kQuarter) * kQuarter);
  await run(['simulate', '--meters', '50', '--start', start, '--end', end, '--faults', '0.05', '--to', base]);
  await api(base, '/api/v1/smart-meters', {
    method: 'POST',
    body: JSON.stringify({ id: kTestMeter, status: 'ACTIVE', city: 'Teststadt', latitude: 52.5, longitude: 13.4 }),
  });
  const y = dayStart(-1);
  const rows = ['meter_id,timestamp,energy_kwh,voltage_v,power_factor'];
  for (let i = 1; i <= 96; i++) {
    const hour = (i * 15) / 60;
    if ((hour >= 10 && hour < 11) || (hour >= 14 && hour < 17.5)) continue;
    rows.push(`${kTestMeter},${iso(y + i * kQuarter)},${(0.2 + 0.05 * (i % 7)).toFixed(2)},${230 + (i % 5)},0.95`);
  }
  await api(base, '/api/v1/readings', { method: 'POST', body: rows.join('\n') + '\n', headers: { 'Content-Type': 'text/csv' } });
  await waitForValidation();
  const edited = iso(y + 20 * 3600_000);
  await api(base, `/api/v1/smart-meters/${kTestMeter}/readings/${edited}`, {
    method: 'PUT',
    body: JSON.stringify({ energy_kwh: 0.5, reason: 'e2e test', edited_by: 'e2e' }),
  });
  await waitForValidation();
  return { yesterday: y, edited };
}

const waitForValidation = () => waitForPipeline(server, { timeoutMs: 60_000, deadline: kDeadline });

// ---- checks ------------------------------------------------------------------

async function check(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${error.stack || error}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// Opens `hash`, waits until the router says the page has rendered, and
// checks that nothing was logged as an error meanwhile.
async function visit(page, watch, base, hash, name) {
  watch.errors.length = 0;
  await page.goto(`${base}/${hash}`);
  await page.waitForFunction(() => document.body.dataset.page, null, { timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  const shown = await page.locator('.error').allTextContents();
  assert(!shown.length, `the page shows errors: ${shown.join(' | ')}`);
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  assert(!watch.errors.length, `console errors:\n  ${watch.errors.join('\n  ')}`);
}

function chartData(page, name) {
  return page.evaluate((n) => {
    const chart = window.metrifyCharts[n];
    return chart ? { labels: chart.series.map((s) => s.label), data: chart.data } : null;
  }, name);
}

async function main() {
  const base = await startServer();
  const data = await loadData(base);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'UTC' });
  const page = await context.newPage();
  const watch = { errors: [], foreign: [] };
  page.on('console', (m) => { if (m.type() === 'error') watch.errors.push(m.text()); });
  page.on('pageerror', (e) => watch.errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(`${base}/`) && !u.startsWith('data:')) watch.foreign.push(u);
  });

  await check('fleet overview loads', async () => {
    await visit(page, watch, base, '#/', 'overview');
    const total = await page.locator('[data-testid=meters-total]').textContent();
    assert(total.trim() === '51', `meters total ${total}`);
    const cities = await page.locator('[data-testid=cities] tbody tr').count();
    assert(cities > 5, `only ${cities} cities listed`);
    const fleet = await chartData(page, 'fleet-consumption');
    assert(fleet && fleet.data[1].some((v) => v > 0), 'no consumption today in the fleet chart');
    assert(fleet.data[2].some((v) => v > 0), 'no consumption yesterday in the fleet chart');
    await page.locator('[data-testid=quality-tiers]').waitFor();
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid=ingest-rate]').textContent),
      null, { timeout: 15_000 });
    await page.screenshot({ path: join(artifacts, 'overview.png'), fullPage: true });
    assert(!watch.errors.length, `console errors: ${watch.errors.join(' | ')}`);
  });

  await check('meter list pages through the registry', async () => {
    await visit(page, watch, base, '#/meters?city=Berlin', 'meters');
    const rows = await page.locator('[data-testid=meter-list] tbody tr').count();
    assert(rows > 0, 'no Berlin meters listed');
    await visit(page, watch, base, '#/meters', 'meters-all');
    await page.locator('[data-testid=next-page]').click();
    await page.waitForFunction(() => document.body.dataset.page && location.hash.includes('page=2'));
    const second = await page.locator('[data-testid=meter-list] tbody tr').count();
    assert(second === 1, `page 2 of 51 meters by 50 has ${second} rows`);
  });

  await check('simulated meter chart has data points', async () => {
    await visit(page, watch, base, '#/meters/SM000001', 'meter-simulated');
    const chart = await chartData(page, 'meter-energy');
    assert(chart, 'no energy chart');
    const points = chart.data[1].filter((v) => v !== null).length;
    assert(points > 90, `only ${points} measured points`);
    const electrical = await chartData(page, 'meter-electrical');
    assert(electrical && electrical.data[1].some((v) => v > 200), 'no voltage');
    const csv = await page.locator('[data-testid=csv-link]').getAttribute('href');
    const text = await (await fetch(base + csv)).text();
    assert(text.startsWith('timestamp,'), `CSV link answers ${text.slice(0, 80)}`);
  });

  await check('estimates and edits are drawn apart, gaps are gaps', async () => {
    const day = new Date(data.yesterday);
    const local = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
    await visit(page, watch, base, `#/meters/${kTestMeter}?from=${local}&to=${local}`, 'meter-estimates');
    const readings = await api(base, `/api/v1/smart-meters/${kTestMeter}/readings?start=${iso(data.yesterday)}&end=${iso(data.yesterday + 86400_000)}&fields=energy_kwh`);
    const byTime = new Map(readings.readings.map((r) => [Date.parse(r.timestamp) / 1000, r]));
    const estimated = readings.readings.filter((r) => r.status === 'ESTIMATED');
    const missing = readings.readings.filter((r) => r.status === 'MISSING');
    const edited = readings.readings.filter((r) => r.status === 'EDITED');
    assert(estimated.length >= 4, `the API has ${estimated.length} ESTIMATED intervals`);
    assert(missing.length >= 10, `the API has ${missing.length} MISSING intervals`);
    assert(edited.length === 1 && edited[0].timestamp === data.edited, 'the API has not the edit');
    const chart = await chartData(page, 'meter-energy');
    assert(chart.labels.slice(1).join() === 'measured,estimated,edited', `series ${chart.labels}`);
    const [xs, measured, est, ed] = chart.data;
    let seenEstimate = 0, seenGap = 0, seenEdit = 0;
    xs.forEach((x, i) => {
      const r = byTime.get(x);
      if (!r) return;
      if (r.status === 'ESTIMATED') {
        assert(est[i] === r.energy_kwh && measured[i] === null, `estimate at ${r.timestamp} not in its series`);
        seenEstimate++;
      } else if (r.status === 'EDITED') {
        assert(ed[i] === r.energy_kwh && measured[i] === null, `edit at ${r.timestamp} not in its series`);
        seenEdit++;
      } else if (r.status === 'MISSING') {
        assert(measured[i] === null && est[i] === null && ed[i] === null, `gap at ${r.timestamp} is not null`);
        seenGap++;
      }
    });
    assert(seenEstimate === estimated.length, `${seenEstimate} of ${estimated.length} estimates in the chart`);
    assert(seenGap === missing.length, `${seenGap} of ${missing.length} gaps in the chart`);
    assert(seenEdit === 1, 'the edit is not in the chart');
    const flagged = await page.locator('[data-testid=flagged] tbody tr[data-status=ESTIMATED]').count();
    assert(flagged === estimated.length, `${flagged} estimated rows in the flagged table`);
    await page.locator('[data-testid=meter-quality] tbody tr').first().waitFor();
  });

  await check('interval selector switches to buckets', async () => {
    await page.selectOption('[data-testid=filter-interval]', '1h');
    await page.locator('[data-testid=range-apply]').click();
    await page.waitForFunction(() => document.body.dataset.page && location.hash.includes('interval=1h'));
    const chart = await chartData(page, 'meter-energy');
    assert(chart && chart.labels[1] === 'energy', 'no bucket chart');
    assert(chart.data[2].some((v) => v !== null), 'no bucket marked as holding estimates');
    assert(!watch.errors.length, `console errors: ${watch.errors.join(' | ')}`);
  });

  await check('grid operators page', async () => {
    await visit(page, watch, base, '#/operators', 'operators');
    const rows = await page.locator('[data-testid=operators] tbody tr').count();
    assert(rows === 4, `${rows} operators`);
    for (const name of ['operator-frequency', 'operator-utilisation', 'operator-renewables']) {
      const chart = await chartData(page, name);
      assert(chart && chart.data[1].some((v) => v !== null), `${name} has no data`);
    }
  });

  await check('weather stations page', async () => {
    await visit(page, watch, base, '#/stations/WS001?days=2', 'stations');
    const chart = await chartData(page, 'station-temperature');
    assert(chart && chart.data[1].some((v) => v !== null), 'no temperatures');
    assert(chart.data[2].some((v) => v > 0), 'no fleet consumption');
  });

  await check('acknowledging and resolving an alert on the alerts page', async () => {
    const open = await api(base, '/api/v1/alerts?state=OPEN&page_size=1');
    assert(open.items.length, 'the simulated fleet raised no open alert');
    const id = open.items[0].id;
    await visit(page, watch, base, '#/alerts?state=OPEN', 'alerts');
    await page.fill('[data-testid=by]', 'e2e.tester');
    await page.fill('[data-testid=note]', 'seen in the e2e test');
    await page.locator(`[data-testid=ack-${id}]`).click();
    await page.locator('[data-testid=action-status]').filter({ hasText: `Alert ${id} is ACKNOWLEDGED` }).waitFor();
    const after = await api(base, `/api/v1/alerts/${id}`);
    assert(after.state === 'ACKNOWLEDGED', `state ${after.state}`);
    assert(after.acknowledged && after.acknowledged.by === 'e2e.tester', 'not acknowledged by us');
    assert(after.acknowledged.note === 'seen in the e2e test', 'note lost');
    await page.waitForFunction(() => document.body.dataset.page === 'alerts');
    await visit(page, watch, base, '#/alerts?state=ACKNOWLEDGED', 'alerts-acknowledged');
    const row = page.locator(`[data-testid=alert-list] tr[data-id="${id}"]`);
    assert(await row.count() === 1, 'the acknowledged alert is not listed under ACKNOWLEDGED');
    await page.locator(`[data-testid=resolve-${id}]`).click();
    await page.locator('[data-testid=action-status]').filter({ hasText: `Alert ${id} is RESOLVED` }).waitFor();
    const resolved = await api(base, `/api/v1/alerts/${id}`);
    assert(resolved.state === 'RESOLVED' && resolved.resolved.by === 'e2e.tester', `state ${resolved.state}`);
    assert(!watch.errors.length, `console errors: ${watch.errors.join(' | ')}`);
  });

  await check('the page requested only its own origin', async () => {
    assert(!watch.foreign.length, `requests elsewhere: ${watch.foreign.join(', ')}`);
  });
}

// A test killed from outside (CTest's timeout, Ctrl-C), or hanging past the
// deadline, still takes its server down.
function abandon(why) {
  console.log(`FAIL ${why}`);
  if (server) server.kill();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  console.log(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
  process.exit(1);
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => abandon(`stopped by ${signal}`));
setTimeout(() => abandon('the test ran past its deadline'), kDeadline - Date.now() + 10_000).unref();

let failedToRun = null;
try {
  await main();
} catch (error) {
  failedToRun = error;
  console.log(`FAIL setup: ${error.stack || error}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}
if (failedToRun || results.some((r) => !r.ok)) {
  if (server && server.exited) console.log(`server exit: ${JSON.stringify(server.exited)}`);
  if (server) console.log(`server.log, last lines:\n${server.logTail()}`);
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed + (failedToRun ? 1 : 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
