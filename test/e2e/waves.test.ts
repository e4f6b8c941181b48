/**
 * Todone waves end to end, with the real binary: a three-wave plan announced exactly once
 * (also when the same change is processed again, as a watcher would), concurrent closes,
 * strict vs flow, cycles refused, cancelled dependencies, and the diagrams.
 */
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { updateGraph } from '../../src/core/graph.js';
import { announceChange } from '../../src/store/announce.js';
import { Board } from '../../src/store/board.js';
import { loadBoard, parseTicketText } from '../../src/store/tickets.js';
import { tempRepo, ticketText, type TempRepo } from '../helpers.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const AGENTS = { alice: 'dev', bob: 'dev', carol: 'dev', boss: 'orchestrator' };

/** A board with agents registered in board.yaml and their inbox folders. */
function boardWithAgents(policy: 'strict' | 'flow' = 'strict'): TempRepo {
  const repo = tempRepo();
  repos.push(repo);
  const yaml = repo
    .read('.board/board.yaml')
    .replace(/^waves: strict$/m, `waves: ${policy}`)
    .replace(
      /^agents: \{\}$/m,
      `agents:\n${Object.entries(AGENTS)
        .map(([n, r]) => `  ${n}:\n    role: ${r}`)
        .join('\n')}`,
    );
  repo.write('.board/board.yaml', yaml);
  for (const name of Object.keys(AGENTS)) {
    mkdirSync(repo.path('.board/inbox', name, 'new'), { recursive: true });
    mkdirSync(repo.path('.board/inbox', name, 'cur'), { recursive: true });
  }
  return repo;
}

function ok(repo: TempRepo, args: string[]) {
  const r = repo.board(args);
  expect(r.code, `board ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Recado files in an agent's inbox folder, optionally only those whose name starts with `prefix`. */
function inbox(repo: TempRepo, agent: string, prefix = '', box: 'new' | 'cur' = 'new'): string[] {
  // announcement ids carry the ticket id lower-cased (recado ids are lower-case)
  return readdirSync(repo.path('.board/inbox', agent, box))
    .filter((f) => f.startsWith(prefix.toLowerCase()))
    .sort();
}

/**
 * The three-wave plan: wave 1 A (alice), B (bob); wave 2 C <- A (alice), D <- A,B (carol);
 * wave 3 E <- C,D (bob).
 */
function makePlan(repo: TempRepo) {
  ok(repo, ['new', 'Schema', '--id', 'A', '--assignee', 'alice', '--as', 'boss']);
  ok(repo, ['new', 'Auth', '--id', 'B', '--assignee', 'bob', '--as', 'boss']);
  ok(repo, ['new', 'Login API', '--id', 'C', '--deps', 'A', '--assignee', 'alice', '--as', 'boss']);
  ok(repo, ['new', 'Sessions', '--id', 'D', '--deps', 'A,B', '--assignee', 'carol', '--as', 'boss']);
  ok(repo, ['new', 'Login page', '--id', 'E', '--deps', 'C,D', '--assignee', 'bob', '--as', 'boss']);
}

interface WavesJson {
  policy: string;
  open: number | null;
  waves: { wave: number; tickets: string[]; done: number; total: number }[];
  cycles: string[][];
}
interface TicketJson {
  id: string;
  status: string;
  wave: number | null;
  ready: boolean;
  blocked_by: string[];
}

/** `list --ready`, `list --all`, `show` and `waves` tell the same story. */
function checkAgreement(repo: TempRepo): { waves: WavesJson; ready: string[] } {
  const waves = JSON.parse(ok(repo, ['waves', '--json'])) as WavesJson;
  const all = JSON.parse(ok(repo, ['list', '--all', '--json'])) as TicketJson[];
  const ready = (JSON.parse(ok(repo, ['list', '--ready', '--json'])) as TicketJson[]).map((t) => t.id).sort();
  expect(ready).toEqual(
    all
      .filter((t) => t.ready)
      .map((t) => t.id)
      .sort(),
  );
  for (const w of waves.waves) {
    const members = all.filter((t) => t.wave === w.wave);
    expect(members.map((t) => t.id).sort()).toEqual(w.tickets);
    expect(w.total).toBe(members.length);
    expect(w.done).toBe(members.filter((t) => t.status === 'done' || t.status === 'cancelled').length);
  }
  const open = waves.waves.find((w) => w.done < w.total)?.wave ?? null;
  expect(waves.open).toBe(open);
  for (const t of all) {
    const deps = t.blocked_by.length === 0;
    const expected =
      t.status === 'todo' && deps && t.wave !== null && (waves.policy === 'flow' || t.wave === waves.open);
    expect(t.ready, `${t.id} ready`).toBe(expected);
  }
  const shown = JSON.parse(ok(repo, ['show', all[0].id, '--json'])) as TicketJson;
  expect({ wave: shown.wave, ready: shown.ready, blocked_by: shown.blocked_by }).toEqual({
    wave: all[0].wave,
    ready: all[0].ready,
    blocked_by: all[0].blocked_by,
  });
  return { waves, ready };
}

/** What a watcher would do on seeing `id` change from the text `beforeText`: announce the diff. */
function processAgain(repo: TempRepo, id: string, beforeText: string) {
  const board = new Board(repo.path('.board'));
  const loaded = loadBoard(board);
  const before = parseTicketText(beforeText, id, id).ticket;
  const then = updateGraph(loaded.graph, [before]);
  return announceChange(board, then, loaded.graph, loaded.config.agents, { changed: [id] });
}

describe('a three-wave plan (strict)', () => {
  it('announces each wave once to its assignees and the orchestrator, however often the change is processed', () => {
    const repo = boardWithAgents('strict');
    makePlan(repo);
    // `new --assignee` told each assignee (boss assigned them)
    expect(inbox(repo, 'alice', 'board-assigned-')).toHaveLength(2);
    expect(inbox(repo, 'bob', 'board-assigned-')).toHaveLength(2);
    expect(inbox(repo, 'carol', 'board-assigned-')).toHaveLength(1);
    expect(inbox(repo, 'boss')).toEqual([]);

    let state = checkAgreement(repo);
    expect(state.waves.open).toBe(1);
    expect(state.waves.waves.map((w) => w.tickets)).toEqual([['A', 'B'], ['C', 'D'], ['E']]);
    expect(state.ready).toEqual(['A', 'B']);

    // A done: C's only dependency is done, but wave 1 is still open
    ok(repo, ['close', 'A', '--as', 'alice']);
    expect(inbox(repo, 'alice', 'board-deps-C-')).toHaveLength(1);
    expect(inbox(repo, 'carol', 'board-deps-')).toEqual([]); // D still waits on B
    expect(inbox(repo, 'alice', 'board-wave-')).toEqual([]);
    state = checkAgreement(repo);
    expect(state.ready).toEqual(['B']);

    // B done: wave 2 opens
    const bBefore = repo.read('.board/tickets/B.md');
    expect(ok(repo, ['close', 'B', '--as', 'bob'])).toContain('closed B');
    for (const who of ['alice', 'carol', 'boss']) expect(inbox(repo, who, 'board-wave-2-'), who).toHaveLength(1);
    expect(inbox(repo, 'bob', 'board-wave-')).toEqual([]); // nothing of bob's in wave 2
    // no separate "ready" recados: the wave recado lists them
    for (const who of Object.keys(AGENTS)) expect(inbox(repo, who, 'board-ready-')).toEqual([]);
    const recado = repo.read('.board/inbox/carol/new', inbox(repo, 'carol', 'board-wave-2-')[0]);
    expect(recado).toMatch(/^from: board$/m);
    expect(recado).toContain('subject: wave 2 open (2 tickets)');
    expect(recado).toContain('- D  Sessions  (carol, ready)');
    state = checkAgreement(repo);
    expect(state.waves.open).toBe(2);
    expect(state.ready).toEqual(['C', 'D']);

    // the same close processed again, twice (a watcher seeing the file change): nothing new
    for (let i = 0; i < 2; i++) {
      const events = processAgain(repo, 'B', bBefore);
      const wave = events.find((e) => e.kind === 'wave_open')!;
      expect(wave.subject).toBe('wave 2 open (2 tickets)');
      expect(wave.delivered).toEqual([]);
      expect(wave.already).toEqual(['alice', 'boss', 'carol']);
      expect(events.every((e) => e.delivered.length === 0)).toBe(true);
    }
    for (const who of ['alice', 'carol', 'boss']) expect(inbox(repo, who, 'board-wave-2-'), who).toHaveLength(1);

    // carol reads it (new/ -> cur/): processing the change again does not bring it back
    const read = inbox(repo, 'carol', 'board-wave-2-')[0];
    renameSync(repo.path('.board/inbox/carol/new', read), repo.path('.board/inbox/carol/cur', read));
    processAgain(repo, 'B', bBefore);
    expect(inbox(repo, 'carol', 'board-wave-2-')).toEqual([]);
    expect(inbox(repo, 'carol', 'board-wave-2-', 'cur')).toEqual([read]);

    // wave 2 done: wave 3 opens for bob (E) and boss
    ok(repo, ['close', 'C', '--as', 'alice']);
    expect(inbox(repo, 'bob', 'board-wave-3-')).toEqual([]);
    ok(repo, ['close', 'D', '--as', 'carol']);
    expect(inbox(repo, 'bob', 'board-wave-3-')).toHaveLength(1);
    expect(inbox(repo, 'boss', 'board-wave-3-')).toHaveLength(1);
    expect(inbox(repo, 'alice', 'board-wave-3-')).toEqual([]);
    state = checkAgreement(repo);
    expect(state.ready).toEqual(['E']);

    // the human form: a bar per wave, the open one marked
    const human = ok(repo, ['waves']);
    expect(human).toContain('Waves (strict): wave 3 open, 4/5 tickets done');
    expect(human).toMatch(/^ {2}wave 1 {2}\[#{20}\] 2\/2 {2}done$/m);
    expect(human).toMatch(/^> wave 3 {2}\[\.{20}\] 0\/1 {2}E ready \(bob\)$/m);

    ok(repo, ['close', 'E', '--as', 'bob']);
    expect(JSON.parse(ok(repo, ['waves', '--json'])).open).toBeNull();
    expect(ok(repo, ['waves'])).toContain('all done, 5/5 tickets done');
    // in all: every wave exactly once to each of its recipients
    expect(inbox(repo, 'boss').map((f) => f.replace(/-[0-9a-f]{16}\.md$/, ''))).toEqual([
      'board-wave-2',
      'board-wave-3',
    ]);
  });

  it('two closes at once that together open a wave: announced exactly once, never lost', async () => {
    const repo = boardWithAgents('strict');
    // waves of pairs: X1,Y1 -> X2,Y2 -> X3,Y3 -> Z
    for (let w = 1; w <= 3; w++) {
      for (const p of ['X', 'Y']) {
        const deps = w > 1 ? ['--deps', `X${w - 1},Y${w - 1}`] : [];
        ok(repo, ['new', `${p}${w}`, '--id', `${p}${w}`, ...deps]);
      }
    }
    ok(repo, ['new', 'Z', '--id', 'Z', '--deps', 'X3,Y3', '--assignee', 'carol']);
    for (let w = 1; w <= 3; w++) {
      const [x, y] = await Promise.all([
        repo.boardAsync(['close', `X${w}`, '--as', 'alice']),
        repo.boardAsync(['close', `Y${w}`, '--as', 'bob']),
      ]);
      expect(x.code, x.stderr).toBe(0);
      expect(y.code, y.stderr).toBe(0);
      expect(inbox(repo, 'boss', `board-wave-${w + 1}-`), `wave ${w + 1}`).toHaveLength(1);
    }
    expect(inbox(repo, 'carol', 'board-wave-4-')).toHaveLength(1);
    expect(inbox(repo, 'boss')).toHaveLength(3);
  });
});

describe('strict vs flow', () => {
  it('flow: a ticket is ready (and announced) as soon as its own dependencies are done', () => {
    const repo = boardWithAgents('flow');
    makePlan(repo);
    ok(repo, ['close', 'A', '--as', 'alice']);
    const state = checkAgreement(repo);
    expect(state.waves.policy).toBe('flow');
    expect(state.ready).toEqual(['B', 'C']);
    // C ready: to its assignee and the orchestrator; wave 2 is not open (B is not done)
    expect(inbox(repo, 'alice', 'board-ready-C-')).toHaveLength(1);
    expect(inbox(repo, 'boss', 'board-ready-C-')).toHaveLength(1);
    expect(inbox(repo, 'boss', 'board-wave-')).toEqual([]);
    expect(repo.read('.board/inbox/alice/new', inbox(repo, 'alice', 'board-ready-C-')[0])).toContain(
      'subject: "C ready: Login API"',
    );
  });

  it('strict: the same state has only the open wave ready', () => {
    const repo = boardWithAgents('strict');
    makePlan(repo);
    ok(repo, ['close', 'A', '--as', 'alice']);
    const state = checkAgreement(repo);
    expect(state.ready).toEqual(['B']);
    expect(inbox(repo, 'alice', 'board-ready-')).toEqual([]);
    const c = JSON.parse(ok(repo, ['show', 'C', '--json'])) as TicketJson;
    expect(c).toMatchObject({ wave: 2, ready: false, blocked_by: [] });
  });

  it('a cancelled dependency resolves', () => {
    const repo = boardWithAgents('flow');
    makePlan(repo);
    ok(repo, ['close', 'A', '--as', 'alice']);
    ok(repo, ['close', 'B', '--cancel', '--as', 'bob']);
    const state = checkAgreement(repo);
    expect(state.ready).toEqual(['C', 'D']);
    expect(state.waves.waves[0]).toEqual({ wave: 1, tickets: ['A', 'B'], done: 2, total: 2 });
    expect(inbox(repo, 'carol', 'board-ready-D-')).toHaveLength(1);
    // cancelling through `edit --status` resolves too, and `edit` announces
    ok(repo, ['edit', 'C', '--status', 'cancelled', '--as', 'boss']);
    ok(repo, ['close', 'D', '--as', 'carol']);
    expect(inbox(repo, 'bob', 'board-ready-E-')).toHaveLength(1);
  });
});

describe('edits', () => {
  it('a dependency cycle is refused with exit 2, naming every ticket on it, and nothing is written', () => {
    const repo = boardWithAgents('strict');
    makePlan(repo);
    const before = repo.read('.board/tickets/A.md');
    const r = repo.board(['edit', 'A', '--add-dep', 'E', '--as', 'boss']);
    expect(r.code).toBe(2);
    // E <- C <- A and E <- D <- A: the cycle goes through A, C, D and E (not B)
    expect(r.stderr).toContain('dependency cycle through A, C, D, E');
    expect(r.stderr).toContain('hint:');
    expect(repo.read('.board/tickets/A.md')).toBe(before);
    const j = repo.board(['edit', 'A', '--add-dep', 'C', '--as', 'boss', '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stderr).error.data.cycle).toEqual(['A', 'C']);
  });

  it('`edit --assignee` tells the new assignee once; assigning yourself tells nobody', () => {
    const repo = boardWithAgents('strict');
    makePlan(repo);
    ok(repo, ['edit', 'E', '--assignee', 'carol', '--as', 'boss']);
    const got = inbox(repo, 'carol', 'board-assigned-E-');
    expect(got).toHaveLength(1);
    const text = repo.read('.board/inbox/carol/new', got[0]);
    expect(text).toContain('subject: "E assigned to you: Login page"');
    expect(text).toContain('It waits on C, D.');
    ok(repo, ['edit', 'E', '--labels', 'ui', '--as', 'boss']); // not an assignment
    ok(repo, ['edit', 'C', '--assignee', 'carol', '--as', 'carol']); // self
    expect(inbox(repo, 'carol', 'board-assigned-')).toHaveLength(2); // D (from new) and E
  });
});

/* ------------------------------------------------------------ diagrams ---- */

const MERMAID_KEYWORDS = new Set([
  'end',
  'subgraph',
  'graph',
  'flowchart',
  'style',
  'classDef',
  'class',
  'click',
  'linkStyle',
  'direction',
  'call',
  'href',
]);

interface ParsedMermaid {
  nodes: Map<string, string>; // mermaid id -> label
  edges: [string, string][];
  subgraphs: { id: string; label: string; nodes: string[] }[];
  classes: Map<string, string>; // node id -> class
  classDefs: Set<string>;
}

/**
 * A structural parser for the Mermaid flowchart subset `board graph` writes. Throws on any
 * line it does not understand, unbalanced subgraph/end, bad ids, or unsafe label text.
 */
function parseMermaid(text: string): ParsedMermaid {
  const lines = text.split('\n');
  expect(lines.at(-1)).toBe('');
  lines.pop();
  const header = lines.shift()!;
  if (!/^(flowchart|graph) (LR|RL|TB|TD|BT)$/.test(header)) throw new Error(`bad header: ${header}`);
  const ID = '([A-Za-z][A-Za-z0-9_]*)';
  const LABEL = '"([^"]*)"';
  const checkId = (id: string) => {
    if (MERMAID_KEYWORDS.has(id)) throw new Error(`node id is a keyword: ${id}`);
    if (/^[ox]/.test(id)) throw new Error(`node id could be read as an edge end: ${id}`);
  };
  const checkLabel = (label: string) => {
    // entity codes only: no raw #, no markup or markdown, no quotes, no line breaks
    if (/[<>`*_[\]{}|;"\\%]/.test(label.replace(/#(\d+|[a-z]+);/g, ''))) throw new Error(`unsafe label: ${label}`);
    if (/#(?!(\d+|[a-z]+);)/.test(label)) throw new Error(`raw # in label: ${label}`);
  };
  const out: ParsedMermaid = { nodes: new Map(), edges: [], subgraphs: [], classes: new Map(), classDefs: new Set() };
  const stack: ParsedMermaid['subgraphs'] = [];
  const declared = new Set<string>();
  for (const raw of lines) {
    const line = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = line.match(new RegExp(`^subgraph ${ID}\\[${LABEL}\\]$`)))) {
      checkId(m[1]);
      checkLabel(m[2]);
      if (declared.has(m[1])) throw new Error(`duplicate id ${m[1]}`);
      declared.add(m[1]);
      const sg = { id: m[1], label: m[2], nodes: [] };
      out.subgraphs.push(sg);
      stack.push(sg);
    } else if (line === 'end') {
      if (!stack.pop()) throw new Error('end without subgraph');
    } else if ((m = line.match(new RegExp(`^${ID}\\[${LABEL}\\]$`)))) {
      checkId(m[1]);
      checkLabel(m[2]);
      if (declared.has(m[1])) throw new Error(`duplicate node ${m[1]}`);
      declared.add(m[1]);
      out.nodes.set(m[1], m[2]);
      stack.at(-1)?.nodes.push(m[1]);
    } else if ((m = line.match(new RegExp(`^${ID} --> ${ID}$`)))) {
      out.edges.push([m[1], m[2]]);
    } else if (
      (m = line.match(
        /^classDef ([A-Za-z_][A-Za-z0-9_]*) ((?:[a-z-]+:[^,;\s]+(?: [^,;\s]+)*)(?:,[a-z-]+:[^,;\s]+(?: [^,;\s]+)*)*)$/,
      ))
    ) {
      out.classDefs.add(m[1]);
    } else if (
      (m = line.match(new RegExp(`^class (${ID.slice(1, -1)}(?:,${ID.slice(1, -1)})*) ([A-Za-z_][A-Za-z0-9_]*)$`)))
    ) {
      for (const id of m[1].split(',')) out.classes.set(id, m[2]);
    } else {
      throw new Error(`unexpected line: ${JSON.stringify(raw)}`);
    }
  }
  if (stack.length) throw new Error('subgraph without end');
  for (const [a, b] of out.edges)
    for (const id of [a, b]) if (!out.nodes.has(id)) throw new Error(`edge to undeclared node ${id}`);
  for (const [id, cls] of out.classes) {
    if (!out.nodes.has(id)) throw new Error(`class on undeclared node ${id}`);
    if (!out.classDefs.has(cls)) throw new Error(`class ${cls} has no classDef`);
  }
  return out;
}

describe('board graph', () => {
  it('writes valid Mermaid: safe node ids, labels with the real ids, waves as subgraphs, deps as edges, status as class', () => {
    const repo = boardWithAgents('strict');
    // ids that collide if "-", "." and "_" were all replaced by one character; titles with syntax in them
    ok(repo, ['new', 'Plan "v2" #1 <b>bold</b> `x` *y* [z] {w} a|b; 100%', '--id', 'a-b']);
    ok(repo, ['new', 'end', '--id', 'a_b']);
    ok(repo, ['new', 'Dots', '--id', 'a.b', '--deps', 'a-b,a_b']);
    ok(repo, ['new', 'Keyword id', '--id', 'end', '--deps', 'a.b']);
    ok(repo, ['new', 'o and x', '--id', 'o1', '--deps', 'a.b']);
    ok(repo, ['close', 'a-b', '--as', 'boss']);
    // hand-written: a cycle and a missing dependency (the CLI refuses both)
    repo.write('.board/tickets/CY1.md', ticketText({ id: 'CY1', title: 'Cycle one', deps: '[CY2]' }));
    repo.write('.board/tickets/CY2.md', ticketText({ id: 'CY2', title: 'Cycle two', deps: '[CY1]' }));
    repo.write('.board/tickets/M1.md', ticketText({ id: 'M1', title: 'Needs a ghost', deps: '[GHOST-1]' }));

    const text = ok(repo, ['graph']);
    const g = parseMermaid(text);
    expect(ok(repo, ['graph', '--format', 'mermaid'])).toBe(text);
    const json = JSON.parse(ok(repo, ['graph', '--json'])) as {
      nodes: { id: string; wave: number | null; ready: boolean; status: string }[];
      edges: { from: string; to: string; missing: boolean }[];
      missing: string[];
      cycles: string[][];
    };
    // every ticket is one node, labelled with its real id; distinct ids get distinct node ids
    const byTicket = new Map<string, string>();
    for (const [mid, label] of g.nodes) {
      const ticket = label.replace(/#(\d+);/g, (_, c) => String.fromCodePoint(Number(c))).split(/: | \(missing\)/)[0];
      byTicket.set(ticket, mid);
    }
    expect([...byTicket.keys()].sort()).toEqual([...json.nodes.map((n) => n.id), ...json.missing].sort());
    expect(new Set(byTicket.values()).size).toBe(byTicket.size);
    // the title survives, decoded
    const label = g.nodes.get(byTicket.get('a-b')!)!.replace(/#(\d+);/g, (_, c) => String.fromCodePoint(Number(c)));
    expect(label).toBe('a-b: Plan "v2" #1 <b>bold</b> `x` *y* [z] {w} a|b; 100%');
    // edges = deps, dependency first
    const edges = g.edges.map(([a, b]) => [
      [...byTicket].find(([, m]) => m === a)![0],
      [...byTicket].find(([, m]) => m === b)![0],
    ]);
    expect(edges.sort()).toEqual(json.edges.map((e) => [e.from, e.to]).sort());
    expect(json.edges.find((e) => e.from === 'GHOST-1')).toEqual({ from: 'GHOST-1', to: 'M1', missing: true });
    // waves as subgraphs, holding exactly their tickets; the cycle in its own group
    const waves = JSON.parse(ok(repo, ['waves', '--json'])) as WavesJson;
    for (const w of waves.waves) {
      const sg = g.subgraphs.find((s) => s.id === `wave_${w.wave}`)!;
      expect(sg.nodes.map((id) => [...byTicket].find(([, m]) => m === id)![0]).sort()).toEqual(w.tickets);
    }
    expect(g.subgraphs.find((s) => s.label.includes('(open)'))!.id).toBe(`wave_${waves.open}`);
    const noWave = g.subgraphs.find((s) => s.id === 'no_wave')!;
    expect(noWave.nodes.map((id) => g.nodes.get(id)!.split(':')[0]).sort()).toEqual(['CY1', 'CY2']);
    expect(json.cycles).toEqual([['CY1', 'CY2']]);
    // status as class
    expect(g.classes.get(byTicket.get('a-b')!)).toBe('done');
    expect(g.classes.get(byTicket.get('a_b')!)).toBe('ready');
    expect(g.classes.get(byTicket.get('end')!)).toBe('todo');
    expect(g.classes.get(byTicket.get('GHOST-1')!)).toBe('missing');
  });

  it('writes DOT with clusters per wave, and refuses an unknown format', () => {
    const repo = boardWithAgents('strict');
    makePlan(repo);
    ok(repo, ['edit', 'B', '--title', 'Auth "quoted" \\ backslash', '--as', 'boss']);
    const text = ok(repo, ['graph', '--format', 'dot']);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('digraph board {');
    expect(lines.at(-1)).toBe('}');
    let depth = 0;
    for (const l of lines) {
      depth += (l.match(/\{\s*$/) ? 1 : 0) - (l.trim() === '}' ? 1 : 0);
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    expect(depth).toBe(0);
    expect(lines.filter((l) => /^ {2}subgraph cluster_wave_\d+ \{$/.test(l))).toHaveLength(3);
    const STR = '"(?:[^"\\\\]|\\\\.)*"';
    const edges = lines.filter((l) => l.includes('->'));
    for (const e of edges) expect(e).toMatch(new RegExp(`^ {2}${STR} -> ${STR};$`));
    expect(edges).toHaveLength(5);
    expect(text).toContain('"B" [label="B\\nAuth \\"quoted\\" \\\\ backslash"');
    const r = repo.board(['graph', '--format', 'svg']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown graph format "svg"');
  });
});
