// The dependency graph by wave, drawn as SVG: one column per wave, one box per ticket
// coloured by status, a line from each dependency to the ticket that waits on it.
// Titles go in as text nodes (createTextNode), never as markup.
const NS = 'http://www.w3.org/2000/svg';
const W = 190,
  H = 34,
  GX = 70,
  GY = 12,
  PAD = 20;

function el(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.append(document.createTextNode(text));
  return e;
}

export function drawGraph(box, tickets, open, onPick) {
  const cols = new Map();
  for (const t of tickets.values()) {
    const k = t.wave ?? 0;
    if (!cols.has(k)) cols.set(k, []);
    cols.get(k).push(t);
  }
  const keys = [...cols.keys()].sort((a, b) => (a || Infinity) - (b || Infinity));
  const pos = new Map();
  let maxRows = 0;
  keys.forEach((k, ci) => {
    const list = cols.get(k).sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
    maxRows = Math.max(maxRows, list.length);
    list.forEach((t, ri) => pos.set(t.id, { x: PAD + ci * (W + GX), y: PAD + 24 + ri * (H + GY), t }));
  });
  const width = PAD * 2 + keys.length * (W + GX);
  const height = PAD * 2 + 24 + maxRows * (H + GY);
  const svg = el('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    class: 'graph',
    role: 'img',
    'aria-label': 'dependency graph by wave',
  });
  keys.forEach((k, ci) => {
    const label = k ? `wave ${k}${k === open ? ' (open)' : ''}` : 'no wave';
    svg.append(
      el('text', { x: PAD + ci * (W + GX), y: PAD + 10, class: k === open ? 'wave-label open' : 'wave-label' }, label),
    );
  });
  const edges = el('g', { class: 'edges' });
  for (const { x, y, t } of pos.values()) {
    for (const d of t.deps) {
      const p = pos.get(d);
      if (!p) continue;
      const x1 = p.x + W,
        y1 = p.y + H / 2,
        x2 = x,
        y2 = y + H / 2;
      const mid = (x1 + x2) / 2;
      edges.append(
        el('path', {
          d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
          class: t.blocked_by.includes(d) ? 'edge blocking' : 'edge',
        }),
      );
    }
  }
  svg.append(edges);
  for (const { x, y, t } of pos.values()) {
    const g = el('g', {
      class: `node st-${t.status}`,
      transform: `translate(${x},${y})`,
      tabindex: 0,
      'data-id': t.id,
    });
    g.append(el('rect', { width: W, height: H, rx: 5 }));
    const title = t.title.length > 24 ? `${t.title.slice(0, 23)}…` : t.title;
    g.append(el('text', { x: 8, y: 14, class: 'nid' }, t.id));
    g.append(el('text', { x: 8, y: 28 }, title));
    g.append(el('title', {}, `${t.id} ${t.title} (${t.status})`));
    g.addEventListener('click', () => onPick(t.id));
    svg.append(g);
  }
  box.replaceChildren(svg);
}
