// How fast the web dashboard (docs/dashboard.md) is on a realistic fleet,
// against the raw API time of the same requests, measured in the same run.
//
//   node bench/dashboard_bench.mjs --binary build/metrify [--meters 10000] [--days 2] [--runs 5] [--json]
//
// 1. Starts `metrify serve` on 127.0.0.1 (a free port, a fresh temporary data
//    directory), loads it with `metrify simulate --meters N` over the last D
//    days (from D days ago 00:00Z to now on the quarter hour, 1% fault rate)
//    and waits until VEE and detection have caught up (/metrics:
//    metrify_vee_pending_meters 0, metrify_detect_queued_samples 0), as
//    tests/e2e/dashboard.test.mjs does.
// 2. In one headless Chromium context (playwright-core of tests/e2e), opens
//    each page with a fresh document load (about:blank first, so the router
//    starts from scratch and every script is fetched again: the server sends
//    no-cache), one warm-up load and then --runs measured loads, and takes
//    the time from navigation start (performance.timeOrigin) until the page
//    is ready (see kReadyProbe below), the requests made and the bytes
//    transferred until then (Resource Timing: transferSize, i.e. headers and
//    body as they went over the wire; the server does not compress).
// 3. Baseline: the API requests each page made before it was ready (recorded
//    from the browser's Resource Timing, same URLs), replayed with Node's
//    fetch in the same order of dependency (a request that started only after
//    every earlier one had finished waits for them; the others run
//    concurrently, as the page's Promise.all does), interleaved with the
//    browser runs.
// 4. Prints a table (page, median and max ms to ready, API-only median ms,
//    the shell's median ms (navigation start to the first API request:
//    document, styles, uPlot and the modules), when the first chart was
//    drawn, requests, KB) and the API requests per page; --json prints one JSON
//    object instead.
//
// The server is stopped with SIGTERM at the end, also on errors and SIGINT.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { MetrifyServer, runMetrify, waitForPipeline } from '../tests/e2e/metrify_server.mjs';

const kRepo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const kUsage = `usage: node bench/dashboard_bench.mjs --binary BUILD/metrify [--meters N] [--days D] [--runs R] [--json]

  --binary PATH   the metrify binary (required), e.g. build/metrify
  --meters N      simulated meters (default 10000)
  --days D        days of readings, from D days ago 00:00Z to now (default 2)
  --runs R        measured page loads per page (default 5), after one warm-up
  --json          print one JSON object instead of the tables
  --help          this text

Environment: CHROMIUM=/path runs another Chromium (default /usr/bin/chromium).`;

// ---- arguments -----------------------------------------------------------------

function parseArgs(argv) {
  const opts = { binary: null, meters: 10000, days: 2, runs: 5, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usageError(`${a} needs a value`);
      return argv[++i];
    };
    const int = (min) => {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < min) usageError(`${a} wants an integer >= ${min}, not ${v}`);
      return Number(v);
    };
    if (a === '--help' || a === '-h') {
      console.log(kUsage);
      process.exit(0);
    } else if (a === '--binary') opts.binary = value();
    else if (a === '--meters') opts.meters = int(1);
    else if (a === '--days') opts.days = int(1);
    else if (a === '--runs') opts.runs = int(1);
    else if (a === '--json') opts.json = true;
    else usageError(`unknown argument ${a}`);
  }
  if (!opts.binary) usageError('--binary is required');
  opts.binary = resolve(opts.binary);
  return opts;
}

function usageError(message) {
  console.error(`dashboard_bench: ${message}\n${kUsage}`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const require = createRequire(join(kRepo, 'tests/e2e/package.json'));
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (error) {
  console.error(`dashboard_bench: playwright-core is not installed (${error.message}): run scripts/setup (npm ci in tests/e2e)`);
  process.exit(2);
}

const log = (...args) => { console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...args); };

// ---- the server (tests/e2e/metrify_server.mjs) ----------------------------------

let server = null;
let simulator = null;
let browser = null;
let workDir = null;

async function startServer() {
  workDir = mkdtempSync(join(tmpdir(), 'metrify-dbench-'));
  server = new MetrifyServer(opts.binary, join(workDir, 'data'), join(workDir, 'server.log'));
  return server.start();
}

// ---- the data ----------------------------------------------------------------------

const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const kQuarter = 900_000;

async function loadData(base) {
  const now = Date.now();
  const day0 = new Date(now);
  day0.setUTCHours(0, 0, 0, 0);
  const start = day0.getTime() - opts.days * 86400_000;
  const end = Math.floor(now / kQuarter) * kQuarter;
  const args = ['simulate', '--meters', String(opts.meters), '--start', iso(start), '--end', iso(end),
    '--faults', '0.01', '--to', base];
  log(`loading: metrify ${args.join(' ')}`);
  const t0 = Date.now();
  await runMetrify(opts.binary, args, (child) => { simulator = child; });
  const simulateS = (Date.now() - t0) / 1000;
  log(`simulate done in ${simulateS.toFixed(0)} s; waiting for VEE and detection`);
  await waitForPipeline(server, { timeoutMs: 3_600_000 });
  const settledS = (Date.now() - t0) / 1000;
  log(`VEE and detection caught up after ${settledS.toFixed(0)} s`);
  return { start, end, simulateS, settledS };
}

// ---- the pages ------------------------------------------------------------------------

// Local dates in the browser, whose time zone is UTC (the context's timezoneId).
const utcDate = (ms) => new Date(ms).toISOString().slice(0, 10);

function pagesFor(data, stationId) {
  const meter = `SM${String(Math.min(123, opts.meters - 1)).padStart(6, '0')}`;
  return [
    { name: 'fleet', hash: '#/' },
    { name: 'meters list', hash: '#/meters' },
    { name: `meter ${meter}`, hash: `#/meters/${meter}` },
    { name: `meter ${meter} 1h, whole range`,
      hash: `#/meters/${meter}?from=${utcDate(data.start)}&to=${utcDate(data.end)}&interval=1h` },
    { name: 'grid operators', hash: '#/operators' },
    { name: `weather ${stationId}`, hash: `#/stations/${stationId}` },
    { name: 'alerts', hash: '#/alerts' },
  ];
}

// The ready signal. The router (web/app.js) sets body[data-page] only after
// the page's render() promise has resolved, and every page's render awaits
// all the requests its content needs (Promise.all of the fill* functions)
// and then draws its uPlot charts synchronously; the pages have no loading
// indicators that would stay behind. So "ready" is: data-page is set, no
// fetch() of the page is in flight (wrapped here, to be sure nothing drawn
// later is still loading), and then one animation frame has passed (the
// frame that paints the tables and the charts' canvases), timed with
// performance.now(), i.e. from navigation start. A MutationObserver notes the
// moment instead of polling from Playwright, so the figure has no polling
// granularity. After it the benchmark checks (kCheck) that there is no error
// box and that every registered chart has a canvas and data.
// The fleet page's /metrics poll (every 5 s, for the ingest rate, which needs
// two polls) is not awaited by the page and is not waited for.
const kReadyProbe = () => {
  const bench = { inflight: 0, dataPage: null, ready: null, charts: {} };
  window.__bench = bench;
  // web/charts.js registers each chart in window.metrifyCharts (and keeps an
  // object that is already there): note when each chart was created, i.e.
  // drawn (uPlot draws in the microtask after its constructor).
  window.metrifyCharts = new Proxy({}, {
    set(target, key, value) {
      target[key] = value;
      if (!(key in bench.charts)) bench.charts[key] = performance.now();
      return true;
    },
  });
  const realFetch = window.fetch;
  const check = () => {
    if (bench.dataPage !== null || !document.body || !document.body.dataset.page) return;
    if (bench.inflight > 0) return;
    bench.dataPage = performance.now();
    requestAnimationFrame(() => setTimeout(() => { bench.ready = performance.now(); }, 0));
  };
  window.fetch = function (...args) {
    const polled = String(args[0]).startsWith('/metrics');
    if (!polled) bench.inflight++;
    const settle = () => { if (!polled) { bench.inflight--; queueMicrotask(check); } };
    return realFetch.apply(this, args).then(
      (response) => {
        // The body is read by the page after this; count it until read.
        const text = response.text.bind(response);
        if (!polled) bench.inflight++;
        response.text = () => text().finally(settle);
        settle();
        return response;
      },
      (error) => { settle(); throw error; });
  };
  new MutationObserver(check).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-page'] });
};

const kCheck = () => {
  const errors = [...document.querySelectorAll('.error')].map((e) => e.textContent);
  const charts = Object.entries(window.metrifyCharts || {}).map(([name, c]) => ({
    name,
    canvas: !!(c.root && c.root.querySelector('canvas')),
    points: c.data && c.data[0] ? c.data[0].length : 0,
  }));
  const resources = performance.getEntriesByType('resource').map((r) => ({
    url: r.name, initiator: r.initiatorType, start: r.startTime, end: r.responseEnd,
    transfer: r.transferSize, body: r.encodedBodySize,
  }));
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    ready: window.__bench.ready,
    chartTimes: window.__bench.charts,
    errors, charts, resources,
    document: { url: nav.name, transfer: nav.transferSize, body: nav.encodedBodySize, end: nav.responseEnd },
  };
};

async function loadPage(page, base, p) {
  await page.goto('about:blank');
  await page.goto(`${base}/${p.hash}`, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__bench && window.__bench.ready !== null, null,
    { timeout: 300_000, polling: 50 });
  const r = await page.evaluate(kCheck);
  if (r.errors.length) throw new Error(`${p.name}: the page shows errors: ${r.errors.join(' | ')}`);
  const blank = r.charts.filter((c) => !c.canvas || c.points === 0);
  if (blank.length) throw new Error(`${p.name}: charts without data: ${blank.map((c) => c.name).join(', ')}`);
  // Everything the page fetched until ready (the document, scripts, styles, API).
  const upToReady = r.resources.filter((x) => x.start <= r.ready);
  // The API requests the content waited for: not the fleet page's /metrics
  // poll, which the page does not await (nor does kReadyProbe).
  const api = upToReady.filter((x) => x.initiator === 'fetch' && !new URL(x.url).pathname.startsWith('/metrics'));
  return {
    readyMs: r.ready,
    // The page's shell: the document, uPlot and the modules loaded and the
    // router running, until the first API request goes out.
    shellMs: api.length ? Math.min(...api.map((x) => x.start)) : r.ready,
    requests: upToReady.length + 1,
    bytes: upToReady.reduce((s, x) => s + x.transfer, 0) + r.document.transfer,
    charts: r.charts.length,
    // When the first chart was drawn (the page shows data before it is complete).
    firstChartMs: Object.values(r.chartTimes).length ? Math.min(...Object.values(r.chartTimes)) : null,
    api,
  };
}

// Groups the page's API requests into waves: a request that started after
// every earlier one had ended depended on them (e.g. the meter page asks for
// the meter, then for its readings, quality and alerts together).
function waves(api) {
  const sorted = [...api].sort((a, b) => a.start - b.start);
  const out = [];
  let lastEnd = -Infinity;
  for (const r of sorted) {
    if (!out.length || r.start >= lastEnd) out.push([]);
    out[out.length - 1].push(r);
    lastEnd = Math.max(lastEnd, r.end);
  }
  return out.map((w) => w.map((r) => r.url));
}

// The same requests from Node: each wave concurrently, bodies read in full.
async function replay(plan, perUrl) {
  const t0 = performance.now();
  for (const wave of plan) {
    await Promise.all(wave.map(async (u) => {
      const s = performance.now();
      const response = await fetch(u);
      const body = Buffer.from(await response.arrayBuffer());
      if (!response.ok) throw new Error(`${u}: HTTP ${response.status} ${body.toString().slice(0, 200)}`);
      const entry = perUrl.get(u) || { ms: [], bytes: body.length };
      entry.ms.push(performance.now() - s);
      entry.bytes = body.length;
      perUrl.set(u, entry);
    }));
  }
  return performance.now() - t0;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function measure(base, data) {
  const stations = await (await fetch(`${base}/api/v1/weather/stations?page_size=1`)).json();
  const stationId = stations.items[0].id;
  browser = await chromium.launch({
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'UTC' });
  await context.addInitScript(kReadyProbe);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });

  const results = [];
  for (const p of pagesFor(data, stationId)) {
    log(`page ${p.name} (${p.hash})`);
    const warm = await loadPage(page, base, p);  // warm-up: also records the page's API requests
    const plan = waves(warm.api);
    const perUrl = new Map();
    await replay(plan, new Map());                // warm-up of the baseline
    const runs = [];
    const apiMs = [];
    for (let i = 0; i < opts.runs; i++) {
      runs.push(await loadPage(page, base, p));
      apiMs.push(await replay(plan, perUrl));
    }
    if (pageErrors.length) throw new Error(`${p.name}: errors in the page: ${pageErrors.join(' | ')}`);
    const ready = runs.map((r) => r.readyMs);
    const shell = runs.map((r) => r.shellMs);
    const firstChart = runs.map((r) => r.firstChartMs).filter((x) => x !== null);
    const last = runs[runs.length - 1];
    results.push({
      page: p.name,
      hash: p.hash,
      ready_ms: { median: round(median(ready)), max: round(Math.max(...ready)), runs: ready.map((x) => round(x)) },
      shell_ms: { median: round(median(shell)) },
      first_chart_ms: firstChart.length ? { median: round(median(firstChart)) } : null,
      api_ms: { median: round(median(apiMs)), max: round(Math.max(...apiMs)), runs: apiMs.map((x) => round(x)) },
      requests: last.requests,
      kb: round(last.bytes / 1024),
      charts: last.charts,
      api_requests: plan.flatMap((wave, w) => wave.map((u) => {
        const e = perUrl.get(u);
        return { wave: w + 1, url: u.slice(base.length), median_ms: round(median(e.ms)), kb: round(e.bytes / 1024) };
      })),
    });
  }
  return results;
}

// ---- output ------------------------------------------------------------------------------

function printTables(report) {
  const { load } = report;
  console.log(`Dashboard, ${report.meters} meters, ${report.days} days + today (${report.date}), ` +
    `${report.runs} runs per page after one warm-up; load: simulate ${load.simulate_s} s, ` +
    `VEE/detection settled after ${load.settled_s} s`);
  console.log();
  console.log('| page | ready median ms | ready max ms | API-only median ms | shell median ms | first chart median ms | requests | KB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of report.pages) {
    const chart = r.first_chart_ms ? r.first_chart_ms.median : '–';
    console.log(`| ${r.page} | ${r.ready_ms.median} | ${r.ready_ms.max} | ${r.api_ms.median} | ${r.shell_ms.median} | ${chart} | ${r.requests} | ${r.kb} |`);
  }
  console.log();
  console.log('API requests per page (wave: requests of one wave run concurrently, a wave waits for the one before):');
  console.log();
  console.log('| page | wave | request | median ms | KB |');
  console.log('|---|---:|---|---:|---:|');
  for (const r of report.pages) {
    for (const a of r.api_requests) console.log(`| ${r.page} | ${a.wave} | \`${a.url}\` | ${a.median_ms} | ${a.kb} |`);
  }
}

// ---- main ----------------------------------------------------------------------------------

// Once, whoever asks first (the end of main or a signal); both wait for it.
let cleaning = null;
function cleanup() {
  cleaning ??= (async () => {
    if (simulator) simulator.kill('SIGTERM');
    if (browser) await browser.close().catch(() => {});
    if (server) await server.stop(60_000);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  })();
  return cleaning;
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log(`stopped by ${signal}; stopping the server`);
    await cleanup();
    process.exit(130);
  });
}

let exitCode = 0;
try {
  const base = await startServer();
  log(`metrify serve at ${base}, data in ${workDir}`);
  const data = await loadData(base);
  const pages = await measure(base, data);
  const report = {
    benchmark: 'dashboard',
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    meters: opts.meters,
    days: opts.days,
    runs: opts.runs,
    chromium: browser.version(),
    load: { start: iso(data.start), end: iso(data.end), simulate_s: Math.round(data.simulateS), settled_s: Math.round(data.settledS) },
    pages,
  };
  if (opts.json) console.log(JSON.stringify(report, null, 2));
  else printTables(report);
} catch (error) {
  exitCode = 1;
  if (!stopping) console.error(`dashboard_bench: ${error.stack || error}`);
  if (server && !stopping) console.error(`server.log, last lines:\n${server.logTail(20)}`);
} finally {
  await cleanup();
}
process.exit(stopping ? 130 : exitCode);
