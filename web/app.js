// The dashboard's hash router: #/ (fleet), #/meters, #/meters/ID,
// #/operators, #/stations, #/alerts. A page's query sits after the path in
// the hash (#/alerts?state=OPEN) so every view can be bookmarked.
//
// A page is `render(main, params, query, ctx)`; it may return a promise and
// register cleanups (timers) with ctx.onLeave. When it has finished,
// document.body.dataset.page names the page (the end-to-end test waits on it).
import { errorBox, parseHash } from './api.js';
import { destroyCharts } from './charts.js';
import { renderOverview } from './overview.js';
import { renderMeterList, renderMeter } from './meters.js';
import { renderOperators } from './operators.js';
import { renderStations } from './stations.js';
import { renderAlerts } from './alerts.js';

const routes = [
  { pattern: /^\/$/, nav: 'overview', render: renderOverview },
  { pattern: /^\/meters$/, nav: 'meters', render: renderMeterList },
  { pattern: /^\/meters\/([^/]+)$/, nav: 'meters', render: renderMeter },
  { pattern: /^\/operators$/, nav: 'operators', render: renderOperators },
  { pattern: /^\/stations(?:\/([^/]+))?$/, nav: 'stations', render: renderStations },
  { pattern: /^\/alerts$/, nav: 'alerts', render: renderAlerts },
];

let cleanups = [];
let generation = 0;

async function show() {
  const mine = ++generation;
  for (const leave of cleanups) leave();
  cleanups = [];
  destroyCharts();
  delete document.body.dataset.page;
  const main = document.getElementById('main');
  main.replaceChildren();
  const { path, query } = parseHash();
  const route = routes.find((r) => r.pattern.test(path));
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('active', route && link.dataset.nav === route.nav);
  }
  if (!route) {
    main.append(errorBox(new Error(`No page at #${path}`)));
    return;
  }
  const params = path.match(route.pattern).slice(1).map((p) => p && decodeURIComponent(p));
  const ctx = {
    onLeave: (f) => cleanups.push(f),
    current: () => mine === generation,
  };
  try {
    await route.render(main, params, query, ctx);
  } catch (error) {
    if (ctx.current()) main.append(errorBox(error));
  }
  if (ctx.current()) document.body.dataset.page = route.nav;
}

window.addEventListener('hashchange', show);
show();
