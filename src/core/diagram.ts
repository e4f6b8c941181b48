/**
 * The board's dependency graph as data and as diagrams (Mermaid, Graphviz DOT). Pure.
 *
 * Edges go from a dependency to the ticket that waits on it (`from` must be done first).
 * Waves are Mermaid subgraphs / DOT clusters (the layers of the plan, left to right);
 * tickets on or behind a cycle go in a last group; a dependency naming no ticket is drawn
 * as a dashed "missing" node. Status is a style (class): ready, todo, in_progress, review,
 * done, cancelled.
 *
 * Mermaid node ids are made from ticket ids injectively ("t_" + letters and digits, every
 * other character as "_" + its hex code, e.g. T-4k9x -> t_T_2d4k9x), so ids with ".", "-"
 * or "_" can neither break the syntax nor collide, and never spell a keyword like `end`;
 * the real id is the node's label. Labels are quoted, with every character that Mermaid
 * could read as syntax, markup or an entity written as an entity code (#35; for #).
 */
import type { BoardGraph, GraphNode, WavePolicy } from './graph.js';

export interface DiagramTicket extends GraphNode {
  title?: string;
  assignee?: string | null;
}

export interface GraphJson {
  policy: WavePolicy;
  open: number | null;
  nodes: {
    id: string;
    title: string | null;
    status: string;
    assignee: string | null;
    wave: number | null;
    ready: boolean;
    blocked_by: string[];
  }[];
  /** from = the dependency, to = the ticket that depends on it. */
  edges: { from: string; to: string; missing: boolean }[];
  /** Dependencies that name no ticket. */
  missing: string[];
  cycles: string[][];
}

/** Tickets in plan order: by wave (no wave last), then id. */
function ordered<N extends DiagramTicket>(g: BoardGraph<N>): N[] {
  const out: N[] = [];
  for (let w = 1; w <= g.maxWave; w++) for (const id of g.ticketsOf(w)) out.push(g.node(id)!);
  const rest = [...g.nodes()]
    .filter((n) => g.waveOf(n.id) === null)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return [...out, ...rest];
}

function missingDeps(g: BoardGraph<DiagramTicket>): string[] {
  const set = new Set<string>();
  for (const list of g.unknownDeps.values()) for (const d of list) set.add(d);
  return [...set].sort();
}

export function graphJson(g: BoardGraph<DiagramTicket>): GraphJson {
  const nodes = ordered(g).map((n) => {
    const d = g.derived(n.id);
    return {
      id: n.id,
      title: n.title ?? null,
      status: n.status,
      assignee: n.assignee ?? null,
      wave: d.wave,
      ready: d.ready,
      blocked_by: d.blocked_by,
    };
  });
  const edges: GraphJson['edges'] = [];
  for (const n of nodes)
    for (const dep of g.node(n.id)!.deps) edges.push({ from: dep, to: n.id, missing: !g.has(dep) });
  return { policy: g.policy, open: g.openWave, nodes, edges, missing: missingDeps(g), cycles: g.cycles };
}

function styleClass(g: BoardGraph<DiagramTicket>, n: DiagramTicket): string {
  return g.derived(n.id).ready ? 'ready' : n.status;
}

const STYLES: Record<string, { fill: string; stroke: string; color?: string; dashed?: boolean; bold?: boolean }> = {
  todo: { fill: '#ffffff', stroke: '#8c959f' },
  ready: { fill: '#ddf4ff', stroke: '#0969da', bold: true },
  in_progress: { fill: '#fff8c5', stroke: '#9a6700' },
  review: { fill: '#fbefff', stroke: '#8250df' },
  done: { fill: '#dafbe1', stroke: '#1a7f37', color: '#1a7f37' },
  cancelled: { fill: '#f6f8fa', stroke: '#8c959f', color: '#8c959f', dashed: true },
  missing: { fill: '#ffebe9', stroke: '#cf222e', color: '#cf222e', dashed: true },
};

/* -------------------------------------------------------------------- Mermaid ---- */

/** Injective, keyword-proof Mermaid node id for a ticket id. */
export function mermaidId(id: string, prefix = 't'): string {
  let out = `${prefix}_`;
  for (const ch of id) out += /[A-Za-z0-9]/.test(ch) ? ch : `_${ch.codePointAt(0)!.toString(16)}`;
  return out;
}

/** Text for inside a quoted Mermaid label. */
export function mermaidText(s: string, max = 60): string {
  let t = s.replace(/\s+/g, ' ').trim();
  if ([...t].length > max) t = [...t].slice(0, max - 1).join('') + '…';
  let out = '';
  for (const ch of t) {
    const c = ch.codePointAt(0)!;
    out += /[A-Za-z0-9 .,:/()+=@!?'-]/.test(ch) || c > 0x7f ? ch : `#${c};`;
  }
  return out;
}

function waveLabels(g: BoardGraph<DiagramTicket>): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of g.waves())
    out.set(s.wave, `Wave ${s.wave}${g.openWave === s.wave ? ' (open)' : ''}: ${s.done}/${s.total} done`);
  return out;
}

export function mermaid(g: BoardGraph<DiagramTicket>): string {
  const lines = ['flowchart LR'];
  const labels = waveLabels(g);
  const byClass = new Map<string, string[]>();
  const node = (n: DiagramTicket) => {
    const id = mermaidId(n.id);
    const cls = styleClass(g, n);
    const list = byClass.get(cls);
    if (list) list.push(id);
    else byClass.set(cls, [id]);
    return `${id}["${mermaidText(n.title ? `${n.id}: ${n.title}` : n.id)}"]`;
  };
  for (let w = 1; w <= g.maxWave; w++) {
    lines.push(`  subgraph wave_${w}["${mermaidText(labels.get(w)!)}"]`);
    for (const id of g.ticketsOf(w)) lines.push(`    ${node(g.node(id)!)}`);
    lines.push('  end');
  }
  const waveless = ordered(g).filter((n) => g.waveOf(n.id) === null);
  if (waveless.length) {
    lines.push(`  subgraph no_wave["${mermaidText('No wave: on or behind a dependency cycle')}"]`);
    for (const n of waveless) lines.push(`    ${node(n)}`);
    lines.push('  end');
  }
  const missing = missingDeps(g);
  for (const m of missing) lines.push(`  ${mermaidId(m, 'm')}["${mermaidText(`${m} (missing)`)}"]`);
  if (missing.length)
    byClass.set(
      'missing',
      missing.map((m) => mermaidId(m, 'm')),
    );
  for (const n of ordered(g)) {
    for (const dep of n.deps)
      lines.push(`  ${g.has(dep) ? mermaidId(dep) : mermaidId(dep, 'm')} --> ${mermaidId(n.id)}`);
  }
  for (const [cls, s] of Object.entries(STYLES)) {
    if (!byClass.has(cls)) continue;
    const parts = [`fill:${s.fill}`, `stroke:${s.stroke}`];
    if (s.color) parts.push(`color:${s.color}`);
    if (s.bold) parts.push('stroke-width:2px');
    if (s.dashed) parts.push('stroke-dasharray:4 3');
    lines.push(`  classDef ${cls} ${parts.join(',')}`);
  }
  for (const [cls, ids] of byClass) lines.push(`  class ${ids.join(',')} ${cls}`);
  return lines.join('\n') + '\n';
}

/* ------------------------------------------------------------------------ DOT ---- */

const dotEscape = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\s+/g, ' ');

/** A double-quoted DOT string. */
export function dotString(s: string): string {
  return `"${dotEscape(s)}"`;
}

export function dot(g: BoardGraph<DiagramTicket>): string {
  const lines = [
    'digraph board {',
    '  rankdir=LR;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fillcolor="#ffffff"];',
  ];
  const labels = waveLabels(g);
  const attrs = (n: DiagramTicket) => {
    const s = STYLES[styleClass(g, n)] ?? STYLES.todo;
    const title = n.title ? (n.title.length > 60 ? n.title.slice(0, 59) + '…' : n.title) : '';
    const label = title ? `"${dotEscape(n.id)}\\n${dotEscape(title)}"` : dotString(n.id);
    const style = s.dashed ? ', style="rounded,filled,dashed"' : s.bold ? ', penwidth=2' : '';
    return `${dotString(n.id)} [label=${label}, fillcolor="${s.fill}", color="${s.stroke}"${s.color ? `, fontcolor="${s.color}"` : ''}${style}];`;
  };
  for (let w = 1; w <= g.maxWave; w++) {
    lines.push(`  subgraph cluster_wave_${w} {`, `    label=${dotString(labels.get(w)!)};`);
    if (g.openWave === w) lines.push('    penwidth=2;');
    for (const id of g.ticketsOf(w)) lines.push(`    ${attrs(g.node(id)!)}`);
    lines.push('  }');
  }
  const waveless = ordered(g).filter((n) => g.waveOf(n.id) === null);
  if (waveless.length) {
    lines.push('  subgraph cluster_no_wave {', `    label=${dotString('No wave: on or behind a dependency cycle')};`);
    for (const n of waveless) lines.push(`    ${attrs(n)}`);
    lines.push('  }');
  }
  for (const m of missingDeps(g)) {
    const s = STYLES.missing;
    lines.push(
      `  ${dotString(m)} [label=${dotString(`${m} (missing)`)}, fillcolor="${s.fill}", color="${s.stroke}", fontcolor="${s.color}", style="rounded,filled,dashed"];`,
    );
  }
  for (const n of ordered(g)) for (const dep of n.deps) lines.push(`  ${dotString(dep)} -> ${dotString(n.id)};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
