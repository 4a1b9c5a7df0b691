// Talking to the Metrify API (docs/api.md) and small helpers every page
// uses: DOM building, number and time formatting, local calendar days.
// Everything is requested from the page's own origin.

export class ApiError extends Error {
  constructor(status, body) {
    const error = body && body.error;
    super(error ? `${error.code}: ${error.message}` : `HTTP ${status}`);
    this.status = status;
    this.code = error ? error.code : 'http_error';
  }
}

// `params` drops null, undefined and '' so optional filters can be passed as they are.
export function url(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function answer(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export async function getJSON(path, params = {}, options = {}) {
  return answer(await fetch(url(path, params), { signal: options.signal }));
}

export async function postJSON(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return answer(response);
}

// Every item of a paged list (registry lists, alerts) with page_size 1000.
// Only for small collections: grid operators, weather stations.
export async function getAll(path, params = {}) {
  const items = [];
  for (let page = 1; ; page++) {
    const body = await getJSON(path, { ...params, page, page_size: 1000 });
    items.push(...body.items);
    if (!body.has_next) return items;
  }
}

// ---- the hash: #/path?query ------------------------------------------------

export function parseHash() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  return { path, query: new URLSearchParams(query) };
}

// The page's filters named `names` from its query ('' when absent).
export function filtersOf(query, names) {
  return Object.fromEntries(names.map((name) => [name, query.get(name) || '']));
}

// Replaces the page's query in the hash (a new history entry), which renders again.
export function setQuery(values) {
  const { path } = parseHash();
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== null && value !== undefined && value !== '') query.set(key, value);
  }
  const text = query.toString();
  location.hash = `#${path}${text ? `?${text}` : ''}`;
}

// ---- DOM ---------------------------------------------------------------------

// el('a', {href: '#/', class: 'x', dataset: {testid: 'y'}, onclick: f}, 'text', child, ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function card(title, ...children) {
  return el('section', { class: 'card' }, title ? el('h2', {}, title) : null, ...children);
}

export function errorBox(error) {
  return el('div', { class: 'error', role: 'alert' }, error.message || String(error));
}

export function table(headers, rows, attrs = {}) {
  return el(
    'table',
    attrs,
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows),
  );
}

export function badge(text, kind = String(text).toLowerCase()) {
  return el('span', { class: `badge badge-${kind}` }, text);
}

// ---- formatting --------------------------------------------------------------

export function fmtNumber(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return Number(value).toLocaleString('en-GB', { maximumFractionDigits: digits });
}

export function fmtPercent(share, digits = 1) {
  if (share === null || share === undefined) return '–';
  return `${fmtNumber(share * 100, digits)} %`;
}

const pad = (n) => String(n).padStart(2, '0');

// "2026-03-29 14:15" in the browser's time zone.
export function fmtTime(value) {
  if (!value) return '–';
  const d = new Date(value);
  return `${localDate(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// "2026-03-29": the local calendar day of a Date.
export function localDate(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// Local midnight `days` days from today's (negative: back).
export function localMidnight(days = 0, from = new Date()) {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + days);
  return d;
}

// Local midnight of a "YYYY-MM-DD" text.
export function parseLocalDate(text) {
  const [y, m, d] = text.split('-').map(Number);
  return new Date(y, m - 1, d);
}

export function addDays(date, days) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

export const seconds = (iso) => Date.parse(iso) / 1000;
