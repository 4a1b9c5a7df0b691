// #/alerts: alerts filtered and paged (GET /api/v1/alerts), acknowledged and
// resolved with POST /api/v1/alerts/{id}/acknowledge|resolve {"by","note"}.
// The name is remembered in localStorage; the filters live in the hash.
import {
  badge, card, el, errorBox, filtersOf, fmtNumber, fmtTime, getJSON, postJSON, table, setQuery,
} from './api.js';
import { pager } from './meters.js';

const kPageSize = 50;
// What the last step did, shown once by the render that follows it.
let flash = '';
const kChoices = {
  state: ['', 'OPEN', 'ACKNOWLEDGED', 'RESOLVED'],
  severity: ['', 'CRITICAL', 'WARNING', 'INFO'],
  type: ['', 'meter_rule', 'consumption', 'no_data', 'meter_fault', 'grid', 'weather'],
};

export async function renderAlerts(main, _params, query, ctx) {
  const filters = filtersOf(query, ['state', 'severity', 'type', 'source']);
  const page = Number(query.get('page') || 1);
  const who = el('input', { name: 'by', value: localStorage.getItem('metrify.by') || 'dashboard', dataset: { testid: 'by' } });
  const note = el('input', { name: 'note', placeholder: 'note (optional)', dataset: { testid: 'note' } });
  who.addEventListener('change', () => localStorage.setItem('metrify.by', who.value.trim()));
  main.append(el('h1', {}, 'Alerts'), filterForm(filters),
    el('div', { class: 'toolbar' }, el('label', {}, 'Acting as ', who), el('label', {}, 'Note ', note)));
  const status = el('div', { class: 'status', role: 'status', dataset: { testid: 'action-status' } }, flash);
  flash = '';
  main.append(status);
  const body = await getJSON('/api/v1/alerts', { ...filters, page, page_size: kPageSize });
  if (!ctx.current()) return;
  const act = async (alert, step) => {
    try {
      const by = who.value.trim();
      if (!by) throw new Error('Say who you are ("Acting as") before acknowledging or resolving.');
      const after = await postJSON(`/api/v1/alerts/${alert.id}/${step}`, { by, note: note.value.trim() || null });
      flash = `Alert ${after.id} is ${after.state} now.`;
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  };
  const rows = body.items.map((a) => alertRow(a, act));
  main.append(card(null,
    el('div', { class: 'muted', dataset: { testid: 'alert-count' } }, `${fmtNumber(body.total_count, 0)} alerts`),
    table(['id', 'severity', 'state', 'type / rule', 'source', 'message', 'first seen', 'last seen', 'count', 'handled', ''],
      rows, { dataset: { testid: 'alert-list' }, class: 'compact' }),
    pager(page, body.has_next, (p) => setQuery({ ...filters, page: p }))));
}

function filterForm(filters) {
  const selects = Object.fromEntries(Object.entries(kChoices).map(([name, choices]) => [name,
    el('select', { name, dataset: { testid: `filter-${name}` } },
      choices.map((c) => el('option', { value: c, selected: c === filters[name] }, c || 'any')))]));
  const source = el('input', { name: 'source', value: filters.source, placeholder: 'meter or meter:SM000123', dataset: { testid: 'filter-source' } });
  const form = el('form', { class: 'toolbar' },
    el('label', {}, 'State ', selects.state), el('label', {}, 'Severity ', selects.severity),
    el('label', {}, 'Type ', selects.type), el('label', {}, 'Source ', source),
    el('button', { type: 'submit', dataset: { testid: 'apply-filters' } }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setQuery({ state: selects.state.value, severity: selects.severity.value, type: selects.type.value, source: source.value.trim() });
  });
  return form;
}

function sourceLink(a) {
  const label = `${a.source_kind}:${a.source_id}`;
  if (a.source_kind === 'meter') return el('a', { href: `#/meters/${encodeURIComponent(a.source_id)}` }, label);
  if (a.source_kind === 'weather_station') return el('a', { href: `#/stations/${encodeURIComponent(a.source_id)}` }, label);
  if (a.source_kind === 'grid_operator') return el('a', { href: '#/operators' }, label);
  return label;
}

function handled(a) {
  const step = a.resolved ? ['resolved', a.resolved] : a.acknowledged ? ['acknowledged', a.acknowledged] : null;
  if (!step) return '';
  return `${step[0]} by ${step[1].by} ${fmtTime(step[1].at)}${step[1].note ? `: ${step[1].note}` : ''}`;
}

function alertRow(a, act) {
  const buttons = el('td', { class: 'actions' },
    a.state === 'OPEN' ? el('button', { onclick: () => act(a, 'acknowledge'), dataset: { testid: `ack-${a.id}` } }, 'Acknowledge') : null,
    a.state !== 'RESOLVED' ? el('button', { onclick: () => act(a, 'resolve'), dataset: { testid: `resolve-${a.id}` } }, 'Resolve') : null);
  return el('tr', { dataset: { id: a.id, state: a.state } },
    el('td', {}, a.id), el('td', {}, badge(a.severity)), el('td', {}, badge(a.state)),
    el('td', {}, `${a.type} / ${a.rule}`), el('td', {}, sourceLink(a)), el('td', {}, a.message),
    el('td', { class: 'time' }, fmtTime(a.first_seen)), el('td', { class: 'time' }, fmtTime(a.last_seen)), el('td', { class: 'num' }, a.count),
    el('td', { class: 'muted' }, handled(a)), buttons);
}
