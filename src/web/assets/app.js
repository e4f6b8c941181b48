// The board page. Plain JS, no build step. Every text that comes from a board file is put in
// the page with textContent (never as HTML); the only HTML inserted is the ticket body as
// rendered by the server's Markdown renderer with raw HTML off.
import { drawGraph } from './graph.js';

const STATUSES = ['todo', 'in_progress', 'review', 'done', 'cancelled'];
const LABEL = { todo: 'To do', in_progress: 'In progress', review: 'Review', done: 'Done', cancelled: 'Cancelled' };
const csrf = document.querySelector('meta[name=csrf-token]').content;
const $ = (sel) => document.querySelector(sel);

const S = {
  tickets: new Map(),
  open: null,
  person: '',
  status: null,
  recados: new Map(),
  inbox: new Map(),
  refusals: [],
  view: 'board',
  detail: null,
  lastEvent: '',
};

/** h('div.card', {onclick}, 'text', child): strings become text nodes, never HTML. */
function h(spec, attrs, ...kids) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const k of kids.flat())
    if (k !== null && k !== undefined && k !== false)
      el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return el;
}

async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
          body: JSON.stringify(body),
        };
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json() : { error: { message: await res.text() } };
  if (!res.ok) {
    const e = new Error(data.error?.message || res.statusText);
    e.hint = data.error?.hint;
    e.status = res.status;
    throw e;
  }
  return { data, event: res.headers.get('x-board-event-id') };
}

/* ------------------------------------------------------------------ time ---- */

function left(ms) {
  if (ms <= 0) return 'ran out';
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600),
    mm = Math.floor((s % 3600) / 60),
    ss = s % 60;
  return hh ? `${hh}h${String(mm).padStart(2, '0')}m left` : `${mm}m${String(ss).padStart(2, '0')}s left`;
}

function ago(iso) {
  const d = (Date.now() - Date.parse(iso)) / 1000;
  if (!(d >= 0)) return iso || '';
  if (d < 60) return `${Math.floor(d)}s ago`;
  if (d < 3600) return `${Math.floor(d / 60)}m ago`;
  if (d < 86400) return `${Math.floor(d / 3600)}h ago`;
  return `${Math.floor(d / 86400)}d ago`;
}

function tickClocks() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-expires]')) {
    const ms = Date.parse(el.dataset.expires) - now;
    const text = left(ms);
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle('out', ms <= 0);
  }
}

/* ----------------------------------------------------------------- board ---- */

function filters() {
  return {
    text: $('#f-text').value.trim().toLowerCase(),
    agent: $('#f-agent').value,
    label: $('#f-label').value,
    wave: $('#f-wave').value,
    closed: $('#f-closed').checked,
  };
}

function visible(t, f) {
  if (!f.closed && (t.status === 'done' || t.status === 'cancelled')) return false;
  if (f.agent && t.assignee !== f.agent && t.claim?.by !== f.agent) return false;
  if (f.label && !t.labels.includes(f.label)) return false;
  if (f.wave && String(t.wave ?? 'none') !== f.wave) return false;
  if (f.text && !`${t.id} ${t.title} ${t.labels.join(' ')} ${t.assignee ?? ''}`.toLowerCase().includes(f.text))
    return false;
  return true;
}

const order = (a, b) =>
  a.priority - b.priority || (a.created ?? '').localeCompare(b.created ?? '') || a.id.localeCompare(b.id);

// one card: a clone of a fixed skeleton, filled with textContent (file text never becomes markup)
const CARD = document.createElement('article');
CARD.className = 'card';
CARD.tabIndex = 0;
CARD.innerHTML = '<div class="top"><span class="id"></span><span class="prio"></span></div><div class="title"></div>';

function card(t) {
  const el = CARD.cloneNode(true);
  el.dataset.id = t.id;
  el.dataset.status = t.status;
  const top = el.firstChild;
  top.firstChild.textContent = t.id;
  const prio = top.lastChild;
  prio.className = `prio p${t.priority}`;
  prio.textContent = `P${t.priority}`;
  if (t.ready) top.append(h('span.ready', { title: 'ready to start' }, 'ready'));
  el.lastChild.textContent = t.title;
  const claim = t.claim && Date.parse(t.claim.expires) > Date.now() - 3600_000 ? t.claim : null;
  if (t.assignee || claim) {
    el.append(
      h(
        'div.meta',
        null,
        t.assignee ? h('span.who', { title: 'assignee' }, '→ ', t.assignee) : null,
        claim
          ? h(
              'span.claim',
              { title: `claimed by ${claim.by} since ${claim.at}` },
              '⚑ ',
              claim.by,
              ' ',
              h('span.lease', { dataset: { expires: claim.expires } }, left(Date.parse(claim.expires) - Date.now())),
            )
          : null,
      ),
    );
  }
  if (t.labels.length)
    el.append(
      h(
        'div.labels',
        null,
        t.labels.map((l) => h('span.label', null, l)),
      ),
    );
  if (t.blocked_by.length) el.append(h('div.blocked', null, 'blocked by ', t.blocked_by.join(', ')));
  return el;
}

function waveKey(t) {
  return t.wave === null || t.wave === undefined ? 'none' : String(t.wave);
}

function waveSection(key) {
  let sec = document.getElementById(`wave-${key}`);
  if (sec) return sec;
  const open = key !== 'none' && Number(key) === S.open;
  sec = h(
    'section.wave',
    { id: `wave-${key}`, dataset: { wave: key } },
    h(
      'h2',
      null,
      key === 'none' ? 'No wave (on a cycle or a missing dependency)' : `Wave ${key}`,
      h('span.open-mark', null, open ? ' · open' : ''),
    ),
    h(
      'div.cols',
      null,
      STATUSES.map((s) => h('div.col', { dataset: { status: s } })),
    ),
  );
  if (open) sec.classList.add('open');
  const board = $('#board');
  const after = [...board.children].find((el) => waveOrder(el.dataset.wave) > waveOrder(key));
  board.insertBefore(sec, after ?? null);
  return sec;
}

const waveOrder = (k) => (k === 'none' ? Infinity : Number(k));

function placeCard(t) {
  const old = document.querySelector(`#board .card[data-id="${CSS.escape(t.id)}"]`);
  const f = filters();
  if (!visible(t, f)) {
    old?.remove();
    return;
  }
  const el = card(t);
  const col = waveSection(waveKey(t)).querySelector(`.col[data-status="${t.status}"]`);
  if (old && old.parentElement === col) {
    old.replaceWith(el);
    return;
  }
  old?.remove();
  const next = [...col.children].find((c) => order(S.tickets.get(c.dataset.id) ?? t, t) > 0);
  col.insertBefore(el, next ?? null);
}

function markOpenWave() {
  for (const sec of document.querySelectorAll('#board .wave')) {
    const open = sec.dataset.wave !== 'none' && Number(sec.dataset.wave) === S.open;
    sec.classList.toggle('open', open);
    sec.querySelector('.open-mark').textContent = open ? ' · open' : '';
  }
  $('#waves-summary').textContent = S.open === null ? 'every wave done' : `wave ${S.open} open`;
}

function dropEmptyWaves() {
  for (const sec of document.querySelectorAll('#board .wave')) if (!sec.querySelector('.card')) sec.remove();
}

function renderBoard() {
  const f = filters();
  const board = $('#board');
  board.textContent = '';
  const list = [...S.tickets.values()]
    .filter((t) => visible(t, f))
    .sort((a, b) => waveOrder(waveKey(a)) - waveOrder(waveKey(b)) || order(a, b));
  const frag = document.createDocumentFragment();
  const secs = new Map();
  for (const t of list) {
    const k = waveKey(t);
    let sec = secs.get(k);
    if (!sec) {
      sec = h(
        'section.wave',
        { id: `wave-${k}`, dataset: { wave: k } },
        h('h2', null, k === 'none' ? 'No wave (on a cycle or a missing dependency)' : `Wave ${k}`, h('span.open-mark')),
        h(
          'div.cols',
          null,
          STATUSES.map((s) => h('div.col', { dataset: { status: s } })),
        ),
      );
      secs.set(k, sec);
      frag.append(sec);
    }
    sec.querySelector(`.col[data-status="${t.status}"]`).append(card(t));
  }
  board.append(frag);
  markOpenWave();
  $('#count').textContent = `${list.length} of ${S.tickets.size} tickets`;
  fillFilterChoices();
}

function fillFilterChoices() {
  const agents = new Set(),
    labels = new Set(),
    waves = new Set();
  for (const t of S.tickets.values()) {
    if (t.assignee) agents.add(t.assignee);
    if (t.claim) agents.add(t.claim.by);
    t.labels.forEach((l) => labels.add(l));
    waves.add(waveKey(t));
  }
  for (const a of S.status?.agents ?? []) agents.add(a.name);
  const fill = (sel, values, fmt) => {
    const cur = sel.value;
    const keep = sel.firstElementChild;
    sel.textContent = '';
    sel.append(
      keep,
      ...[...values]
        .sort((a, b) => (fmt ? waveOrder(a) - waveOrder(b) : a.localeCompare(b)))
        .map((v) => h('option', { value: v }, fmt ? fmt(v) : v)),
    );
    sel.value = cur;
  };
  fill($('#f-agent'), agents);
  fill($('#f-label'), labels);
  fill($('#f-wave'), waves, (w) => (w === 'none' ? 'no wave' : `wave ${w}`));
}

function applyTickets(ev) {
  const openChanged = ev.open !== S.open;
  S.open = ev.open;
  for (const t of ev.changed) {
    S.tickets.set(t.id, t);
    placeCard(t);
  }
  for (const id of ev.removed) {
    S.tickets.delete(id);
    document.querySelector(`#board .card[data-id="${CSS.escape(id)}"]`)?.remove();
  }
  dropEmptyWaves();
  if (openChanged) markOpenWave();
  $('#count').textContent = `${document.querySelectorAll('#board .card').length} of ${S.tickets.size} tickets`;
  if (S.detail && (ev.changed.some((t) => t.id === S.detail) || ev.removed.includes(S.detail)))
    openDetail(S.detail, true);
  if (S.view === 'graph') drawGraph($('#graph'), S.tickets, S.open, openDetail);
  scheduleStatus();
  renderNeeds();
}

/* ---------------------------------------------------------------- detail ---- */

function refusalBox(e) {
  return h(
    'div.refused',
    { role: 'alert' },
    h('strong', null, 'Refused: '),
    e.message,
    e.hint ? h('div.hint', null, e.hint) : null,
  );
}

async function act(path, body, where) {
  where.textContent = '';
  try {
    await api(path, body);
    where.append(h('div.ok', null, 'done'));
    return true;
  } catch (e) {
    where.append(refusalBox(e));
    return false;
  }
}

async function openDetail(id, refresh = false) {
  S.detail = id;
  const box = $('#detail');
  let d;
  try {
    d = (await api(`/api/tickets/${encodeURIComponent(id)}`)).data;
  } catch (e) {
    if (refresh) {
      box.hidden = true;
      S.detail = null;
      return;
    }
    box.hidden = false;
    box.replaceChildren(h('button.close', { onclick: closeDetail }, '×'), refusalBox(e));
    return;
  }
  if (S.detail !== id) return;
  const t = d.ticket;
  const result = h('div.result');
  const force = h('input', { type: 'checkbox', id: 'force' });
  const body = h('div.body.markdown');
  body.innerHTML = d.html; // rendered by the server with raw HTML off: see docs/web.md
  const link = (x) =>
    h(
      'a',
      {
        href: '#',
        onclick: (e) => {
          e.preventDefault();
          openDetail(x);
        },
      },
      x,
    );
  const edit = h(
    'form.edit',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        const f = new FormData(e.target);
        const change = {};
        for (const k of ['title', 'assignee', 'labels', 'status', 'priority']) {
          const v = String(f.get(k) ?? '');
          const cur = k === 'labels' ? t.labels.join(', ') : String(t[k] ?? '');
          if (v !== cur) change[k] = k === 'priority' ? Number(v) : v;
        }
        if (!Object.keys(change).length) {
          result.replaceChildren(h('div.ok', null, 'nothing changed'));
          return;
        }
        await act(`/api/tickets/${encodeURIComponent(id)}/edit`, { ...change, force: force.checked }, result);
      },
    },
    h('label', null, 'Title ', h('input', { name: 'title', value: t.title })),
    h('label', null, 'Assignee ', h('input', { name: 'assignee', value: t.assignee ?? '' })),
    h('label', null, 'Labels ', h('input', { name: 'labels', value: t.labels.join(', ') })),
    h(
      'label',
      null,
      'Status ',
      h(
        'select',
        { name: 'status' },
        STATUSES.filter((s) => s !== 'done' || t.status === 'done').map((s) =>
          h('option', { value: s, selected: s === t.status }, s),
        ),
      ),
    ),
    h(
      'label',
      null,
      'Priority ',
      h(
        'select',
        { name: 'priority' },
        [0, 1, 2, 3, 4].map((p) => h('option', { value: p, selected: p === t.priority }, p)),
      ),
    ),
    h('button', null, 'Save'),
  );
  const btn = (label, path, extra = {}) =>
    h(
      'button',
      {
        dataset: { action: path },
        onclick: () =>
          act(`/api/tickets/${encodeURIComponent(id)}/${path}`, { force: force.checked, ...extra }, result),
      },
      label,
    );
  box.hidden = false;
  box.replaceChildren(
    ...[
      h('button.close', { onclick: closeDetail, title: 'close' }, '×'),
      h(
        'div.id',
        null,
        t.id,
        ' · ',
        t.status,
        t.wave !== null ? ` · wave ${t.wave}` : '',
        ` · P${t.priority}`,
        t.ready ? ' · ready' : '',
      ),
      h('h2.title', null, t.title),
      h(
        'div.actions',
        null,
        btn('Claim', 'claim'),
        btn('Release', 'release'),
        btn('Close', 'close'),
        btn('Cancel', 'close', { cancel: true }),
        btn('Reopen', 'reopen'),
        h('label.force', null, force, ' force (as a person)'),
      ),
      result,
      h(
        'dl',
        null,
        h('dt', null, 'Assignee'),
        h('dd', null, t.assignee ?? '—'),
        h('dt', null, 'Claim'),
        h(
          'dd',
          null,
          t.claim
            ? [t.claim.by, ' since ', t.claim.at, ' · ', h('span.lease', { dataset: { expires: t.claim.expires } }, '')]
            : '—',
        ),
        h('dt', null, 'Labels'),
        h('dd', null, t.labels.join(', ') || '—'),
        h('dt', null, 'Depends on'),
        h('dd', null, t.deps.length ? t.deps.flatMap((x, i) => [i ? ', ' : '', link(x)]) : '—'),
        h('dt', null, 'Blocked by'),
        h('dd', null, t.blocked_by.length ? t.blocked_by.flatMap((x, i) => [i ? ', ' : '', link(x)]) : '—'),
        h('dt', null, 'Dependents'),
        h('dd', null, d.dependents.length ? d.dependents.flatMap((x, i) => [i ? ', ' : '', link(x)]) : '—'),
        h('dt', null, 'Locks'),
        h('dd', null, t.locks.join(', ') || '—'),
      ),
      body,
      h('details', null, h('summary', null, 'Edit'), edit),
      d.refusals.length
        ? h(
            'section',
            null,
            h('h3', null, 'Refusals'),
            h(
              'ul',
              null,
              d.refusals.map((r) =>
                h(
                  'li.refused',
                  null,
                  r.at ?? '',
                  ' ',
                  r.from ? `${r.from}: ` : '',
                  r.reason,
                  r.hint ? h('div.hint', null, r.hint) : null,
                ),
              ),
            ),
          )
        : null,
      h(
        'section',
        null,
        h('h3', null, 'History'),
        d.log.length
          ? h(
              'ul.log',
              null,
              d.log.map((e) => h('li', null, h('span.when', null, e.date), ' ', h('b', null, e.author), ' ', e.what)),
            )
          : h('p.dim', null, 'no history yet (changes are committed by the watcher)'),
      ),
    ].filter(Boolean),
  );
  tickClocks();
}

function closeDetail() {
  S.detail = null;
  $('#detail').hidden = true;
}

/* ---------------------------------------------------------------- agents ---- */

let statusTimer = null;
function scheduleStatus() {
  if (statusTimer) return;
  statusTimer = setTimeout(async () => {
    statusTimer = null;
    try {
      S.status = (await api('/api/status')).data;
      renderAgents();
      renderNeeds();
    } catch {
      /* the stream's reset reloads */
    }
  }, 300);
}

// the live state from `status --json` (agents[].state.state: starting, working, waiting, idle,
// stopped, dead) when the board reports it; else one derived from claims and last activity
function agentState(a) {
  if (a.state && typeof a.state === 'object' && typeof a.state.state === 'string') return a.state.state;
  if (typeof a.state === 'string') return a.state;
  if (a.claims.some((c) => !c.expired)) return 'working';
  if (!a.last_activity) return 'idle';
  return Date.now() - Date.parse(a.last_activity.at) < 15 * 60_000 ? 'active' : 'idle';
}

function renderAgents() {
  const lanes = $('#lanes');
  const agents = S.status?.agents ?? [];
  const before = new Map([...lanes.querySelectorAll('.lane')].map((l) => [l.dataset.agent, l]));
  // a lane that did not change stays the same element (no flicker, no lost focus)
  const keep = (l) => {
    const old = before.get(l.dataset.agent);
    return old && old.isEqualNode(l) ? old : l;
  };
  lanes.replaceChildren(
    ...(agents.length
      ? agents.map((a) => keep(laneOf(a)))
      : [h('p.dim', null, 'No agents yet: `board agent add NAME --role ROLE` adds one.')]),
  );
  tickClocks();
}

function laneOf(a) {
  {
    const state = agentState(a);
    const result = h('div.result');
    const last = [...S.recados.values()]
      .filter((r) => r.from === a.name)
      .sort((x, y) => y.sent.localeCompare(x.sent))[0];
    return h(
      'section.lane',
      { dataset: { agent: a.name, state } },
      h(
        'header',
        null,
        h('strong', null, a.name),
        a.role ? h('span.role', null, a.role) : null,
        h(`span.state.s-${state.replace(/[^a-z_]/g, '')}`, null, state.replace(/_/g, ' ')),
      ),
      h(
        'div',
        null,
        a.claims.length
          ? a.claims.map((c) =>
              h(
                'div.claim',
                null,
                h(
                  'a',
                  {
                    href: '#',
                    onclick: (e) => {
                      e.preventDefault();
                      openDetail(c.id);
                    },
                  },
                  c.id,
                ),
                ' ',
                c.title,
                ' · ',
                h('span.lease', { dataset: { expires: c.expires } }, left(Date.parse(c.expires) - Date.now())),
              ),
            )
          : h('span.dim', null, 'no claim'),
      ),
      a.state && typeof a.state === 'object' && (a.state.detail || a.state.tool)
        ? h(
            'div.dim',
            null,
            a.state.tool ? `using ${a.state.tool}` : '',
            a.state.detail ?? '',
            a.state.since ? ` · since ${ago(a.state.since)}` : '',
          )
        : null,
      h('div', null, 'unread: ', a.unread === null ? 'no inbox' : String(a.unread)),
      h('div.dim', null, a.last_activity ? `${ago(a.last_activity.at)}: ${a.last_activity.what}` : 'no activity yet'),
      last ? h('div.last', null, 'last recado: ', last.subject) : null,
      h(
        'div.actions',
        null,
        h('button', { onclick: () => act('/api/nudge', { agent: a.name }, result) }, 'Nudge'),
        h('button', { onclick: () => showScreen(a.name, result) }, 'Screen'),
      ),
      result,
    );
  }
}

/** The agent's screen (`board peek`), on demand, as text. */
async function showScreen(agent, where) {
  where.textContent = '';
  try {
    const { data } = await api(`/api/agents/${encodeURIComponent(agent)}/screen`);
    where.append(
      h('pre.screen', null, data.lines.join('\n')),
      data.dead ? h('div.refused', null, 'its program has ended') : null,
    );
  } catch (e) {
    where.append(refusalBox(e));
  }
}

/* --------------------------------------------------------------- recados ---- */

function recadoItem(r, opts = {}) {
  const li = h(
    'li.recado',
    { dataset: { id: r.id } },
    h(
      'div.head',
      null,
      h('b', null, r.from),
      ' → ',
      r.to.join(', '),
      ' ',
      h('span.dim', null, r.sent),
      r.ticket
        ? [
            ' ',
            h(
              'a',
              {
                href: '#',
                onclick: (e) => {
                  e.preventDefault();
                  openDetail(r.ticket);
                },
              },
              r.ticket,
            ),
          ]
        : null,
    ),
    h('div.subject', null, r.subject),
    h('pre.text', null, r.body),
    h(
      'div.actions',
      null,
      h('button', { onclick: () => showThread(r.id, li) }, 'Thread'),
      h(
        'button',
        {
          onclick: () => {
            const f = $('#compose');
            f.to.value = r.from;
            f.reply_to.value = r.id;
            f.subject.value = r.subject.startsWith('Re: ') ? r.subject : `Re: ${r.subject}`;
            f.text.focus();
          },
        },
        'Reply',
      ),
      opts.inbox && !r.read
        ? h(
            'button',
            {
              onclick: async () => {
                await api(`/api/recados/${encodeURIComponent(r.id)}/read`, {});
              },
            },
            'Mark read',
          )
        : null,
    ),
  );
  return li;
}

async function showThread(id, where) {
  const old = where.querySelector('.thread');
  if (old) {
    old.remove();
    return;
  }
  const { data } = await api(`/api/thread/${encodeURIComponent(id)}`);
  where.append(
    h(
      'ol.thread',
      null,
      data.map((r) =>
        h(
          'li',
          null,
          h('b', null, r.from),
          ' → ',
          r.to.join(', '),
          ' ',
          h('span.dim', null, r.sent),
          h('div', null, r.subject),
          h('pre.text', null, r.body),
        ),
      ),
    ),
  );
}

function renderRecados() {
  const list = [...S.recados.values()]
    .sort((a, b) => b.sent.localeCompare(a.sent) || b.id.localeCompare(a.id))
    .slice(0, 300);
  $('#stream').replaceChildren(...list.map((r) => recadoItem(r)));
  const inbox = [...S.inbox.values()].sort((a, b) => b.sent.localeCompare(a.sent));
  $('#inbox').replaceChildren(
    ...(inbox.length ? inbox.map((r) => recadoItem(r, { inbox: true })) : [h('li.dim', null, 'nothing unread')]),
  );
  const n = inbox.filter((r) => !r.read).length;
  $('#unread-count').textContent = n ? `(${n})` : '';
}

let recadoTimer = null;
function scheduleRecados() {
  if (recadoTimer) return;
  recadoTimer = setTimeout(() => {
    recadoTimer = null;
    renderRecados();
    renderNeeds();
  }, 100);
}

/* ------------------------------------------------------------- needs you ---- */

function renderNeeds() {
  const items = [];
  let reviews = 0;
  for (const a of S.status?.agents ?? []) {
    const st = agentState(a);
    const detail = a.state && typeof a.state === 'object' && a.state.detail ? ` (${a.state.detail})` : '';
    if (st === 'waiting' || st === 'waiting_for_you')
      items.push(h('li', null, h('b', null, a.name), ' is waiting for you', detail));
    else if (st === 'dead' && a.state) items.push(h('li.refused', null, h('b', null, a.name), ' is dead', detail));
  }
  for (const t of S.tickets.values())
    if (t.status === 'review' && reviews++ < 5)
      items.push(
        h(
          'li',
          null,
          'review: ',
          h(
            'a',
            {
              href: '#',
              onclick: (e) => {
                e.preventDefault();
                openDetail(t.id);
              },
            },
            t.id,
          ),
          ' ',
          t.title,
        ),
      );
  for (const r of S.refusals.slice(0, 5))
    items.push(h('li.refused', null, 'refused: ', r.reason, r.from ? ` (from ${r.from})` : ''));
  for (const r of S.inbox.values())
    if (!r.read) items.push(h('li', null, 'recado from ', h('b', null, r.from), ': ', r.subject));
  const box = $('#needs');
  box.replaceChildren(
    ...(items.length
      ? [
          h('h2', null, 'Needs you'),
          h('ul', null, items.slice(0, 12)),
          items.length > 12 ? h('div.dim', null, `and ${items.length - 12} more`) : null,
        ].filter(Boolean)
      : []),
  );
  box.hidden = !items.length;
}

/* ------------------------------------------------------------ live stream ---- */

let source = null;
async function loadAll() {
  // the board first: it is what the page is for; the rest fills in as it arrives
  const [tk, me] = await Promise.all([api('/api/tickets'), api('/api/me')]);
  const rest = Promise.all([
    api('/api/status'),
    api('/api/recados'),
    api('/api/inbox?all=1'),
    api('/api/refusals?limit=20'),
  ]);
  S.tickets = new Map(tk.data.map((t) => [t.id, t]));
  S.open = me.data.open;
  S.person = me.data.person;
  $('#me').textContent = `as ${S.person}`;
  performance.mark('board-data');
  renderBoard();
  performance.mark('board-drawn');
  if (S.view === 'graph') drawGraph($('#graph'), S.tickets, S.open, openDetail);
  document.body.dataset.ready = '1';
  rest.then(
    ([st, rc, ib, rf]) => {
      S.status = st.data;
      S.recados = new Map(rc.data.map((r) => [r.id, r]));
      S.inbox = new Map(ib.data.map((r) => [r.id, r]));
      S.refusals = rf.data;
      renderAgents();
      renderRecados();
      renderNeeds();
      fillFilterChoices();
      document.body.dataset.loaded = '1';
    },
    () => undefined,
  );
  return tk.event;
}

function connect(since) {
  source?.close();
  source = new EventSource(`/api/events?since=${encodeURIComponent(since)}`);
  const live = $('#live');
  source.onopen = () => {
    live.textContent = 'live';
    live.className = 'live on';
  };
  source.onerror = () => {
    live.textContent = 'reconnecting';
    live.className = 'live off';
  };
  // window.boardEvents: how many events of each type this page applied (read by the tests and the bench)
  const counts = (window.boardEvents ??= {});
  const on = (type, fn) =>
    source.addEventListener(type, (m) => {
      S.lastEvent = m.lastEventId;
      counts[type] = (counts[type] ?? 0) + 1;
      fn(JSON.parse(m.data));
    });
  on('reset', async (d) => {
    if (d.reason === 'first connection' && S.tickets.size) return;
    await loadAll();
  });
  on('tickets', applyTickets);
  on('recado', (d) => {
    const have = S.recados.get(d.recado.id);
    if (have) {
      if (!have.copies?.some((c) => c.agent === d.agent)) have.copies?.push({ agent: d.agent, read: false });
    } else S.recados.set(d.recado.id, { ...d.recado, copies: [{ agent: d.agent, read: false }] });
    if (d.agent === S.person) S.inbox.set(d.recado.id, d.recado);
    scheduleRecados();
    scheduleStatus();
  });
  on('read', (d) => {
    if (d.agent === S.person && S.inbox.has(d.id)) S.inbox.get(d.id).read = true;
    scheduleRecados();
    scheduleStatus();
  });
  on('refusal', (r) => {
    S.refusals.unshift(r);
    renderNeeds();
  });
  on('watch', () => scheduleStatus());
  on('config', () => scheduleStatus());
}

/* ------------------------------------------------------------------ wiring ---- */

function show(view) {
  S.view = view;
  for (const b of document.querySelectorAll('nav button')) b.classList.toggle('on', b.dataset.view === view);
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${view}`;
  if (view === 'graph') drawGraph($('#graph'), S.tickets, S.open, openDetail);
}

function wire() {
  for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => show(b.dataset.view));
  const pick = (e) => {
    const c = e.target.closest('.card');
    if (c && (e.type === 'click' || e.key === 'Enter')) openDetail(c.dataset.id);
  };
  $('#board').addEventListener('click', pick);
  $('#board').addEventListener('keydown', pick);
  $('#columns-head').replaceChildren(...STATUSES.map((s) => h('div', null, LABEL[s])));
  let typing = null;
  $('#filters').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(renderBoard, 120);
  });
  $('#filters').addEventListener('submit', (e) => e.preventDefault());
  const dlg = $('#ticket-form');
  $('#new-ticket').addEventListener('click', () => {
    dlg.querySelector('.result').textContent = '';
    dlg.showModal();
  });
  $('#ticket-form-ok').addEventListener('click', async (e) => {
    e.preventDefault();
    const form = dlg.querySelector('form');
    if (!form.reportValidity()) return;
    const f = new FormData(form);
    const ok = await act(
      '/api/tickets',
      {
        title: f.get('title'),
        assignee: f.get('assignee') || undefined,
        labels: f.get('labels'),
        priority: Number(f.get('priority')),
        deps: f.get('deps'),
        body: f.get('body'),
      },
      dlg.querySelector('.result'),
    );
    if (ok) {
      form.reset();
      dlg.close();
    }
  });
  $('#compose').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    const ok = await act(
      '/api/send',
      {
        to: f.to.value,
        subject: f.subject.value,
        text: f.text.value,
        ticket: f.ticket.value,
        reply_to: f.reply_to.value,
      },
      f.querySelector('.result'),
    );
    if (ok) {
      f.text.value = '';
      f.reply_to.value = '';
      f.subject.value = '';
    }
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeDetail();
  });
  setInterval(tickClocks, 1000);
}

wire();
loadAll().then(connect, (e) => {
  document.body.replaceChildren(h('p.refused', null, 'Could not load the board: ', e.message));
});
