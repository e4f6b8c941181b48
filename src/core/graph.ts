/**
 * The dependency graph and Todone waves. Pure: works on {id, deps, status} nodes.
 *
 * - wave(t) = 1 + max wave of its deps (no deps: 1). Tickets on a cycle, or depending on
 *   one, have no wave (null).
 * - A dependency is resolved when its ticket is done or cancelled; an unknown dependency is
 *   never resolved.
 * - strict policy: the open wave is the lowest wave with a ticket not yet resolved; only
 *   tickets of that wave can be ready. flow policy: a ticket is ready when its own deps are.
 * - ready = status todo, every dep resolved, a wave, and (strict) that wave is open.
 */
import { RESOLVED, type Derived } from './ticket.js';

export type WavePolicy = 'strict' | 'flow';
export const WAVE_POLICIES: readonly WavePolicy[] = ['strict', 'flow'];

export interface GraphNode {
  id: string;
  deps: readonly string[];
  status: string;
}

export interface WaveSummary {
  wave: number;
  tickets: string[];
  done: number;
  total: number;
}

export interface BoardGraph {
  policy: WavePolicy;
  /** Lowest wave with an unresolved ticket; null when every wave is finished. */
  openWave: number | null;
  /** Each cycle as the list of its tickets (one strongly connected component each). */
  cycles: string[][];
  /** Ticket id -> dependencies that name no ticket. */
  unknownDeps: Map<string, string[]>;
  waveOf(id: string): number | null;
  derived(id: string): Derived;
  waves(): WaveSummary[];
}

export function computeGraph(input: Iterable<GraphNode>, policy: WavePolicy = 'strict'): BoardGraph {
  const nodes = new Map<string, GraphNode>();
  for (const n of input) nodes.set(n.id, n);

  const unknownDeps = new Map<string, string[]>();
  const dependents = new Map<string, string[]>();
  const pending = new Map<string, number>(); // known deps not yet given a wave
  for (const n of nodes.values()) {
    let count = 0;
    for (const d of n.deps) {
      if (!nodes.has(d)) {
        const list = unknownDeps.get(n.id) ?? [];
        list.push(d);
        unknownDeps.set(n.id, list);
        continue;
      }
      count++;
      const list = dependents.get(d);
      if (list) list.push(n.id);
      else dependents.set(d, [n.id]);
    }
    pending.set(n.id, count);
  }

  // Kahn's algorithm, layer by layer: a node's wave is known once all its deps have one.
  const wave = new Map<string, number>();
  let queue: string[] = [];
  for (const [id, c] of pending) if (c === 0) queue.push(id);
  for (const id of queue) wave.set(id, 1);
  while (queue.length) {
    const next: string[] = [];
    for (const id of queue) {
      const w = wave.get(id)!;
      for (const dep of dependents.get(id) ?? []) {
        const prev = wave.get(dep) ?? 0;
        if (w + 1 > prev) wave.set(dep, w + 1);
        const left = pending.get(dep)! - 1;
        pending.set(dep, left);
        if (left === 0) next.push(dep);
      }
    }
    queue = next;
  }
  // Nodes that got a provisional wave but still wait on a dep are on or behind a cycle.
  for (const [id, left] of pending) if (left > 0) wave.delete(id);

  const cycles = wave.size === nodes.size ? [] : findCycles(nodes, wave);

  let openWave: number | null = null;
  for (const [id, w] of wave) {
    if (!RESOLVED.has(nodes.get(id)!.status) && (openWave === null || w < openWave)) openWave = w;
  }

  const waveOf = (id: string): number | null => wave.get(id) ?? null;

  return {
    policy,
    openWave,
    cycles,
    unknownDeps,
    waveOf,
    derived(id: string): Derived {
      const n = nodes.get(id);
      if (!n) return { wave: null, ready: false, blocked_by: [] };
      const blocked_by = n.deps.filter((d) => !RESOLVED.has(nodes.get(d)?.status ?? ''));
      const w = waveOf(id);
      const ready =
        n.status === 'todo' && blocked_by.length === 0 && w !== null && (policy === 'flow' || w === openWave);
      return { wave: w, ready, blocked_by };
    },
    waves(): WaveSummary[] {
      const by = new Map<number, WaveSummary>();
      for (const [id, w] of wave) {
        let s = by.get(w);
        if (!s) by.set(w, (s = { wave: w, tickets: [], done: 0, total: 0 }));
        s.tickets.push(id);
        s.total++;
        if (RESOLVED.has(nodes.get(id)!.status)) s.done++;
      }
      const out = [...by.values()].sort((a, b) => a.wave - b.wave);
      for (const s of out) s.tickets.sort();
      return out;
    },
  };
}

/**
 * Strongly connected components (iterative Tarjan) among the nodes left without a wave;
 * every component with more than one node is a cycle. Self-loops are a ticket-level problem.
 */
function findCycles(nodes: Map<string, GraphNode>, wave: Map<string, number>): string[][] {
  const left = [...nodes.keys()].filter((id) => !wave.has(id));
  const inLeft = new Set(left);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;

  for (const root of left) {
    if (index.has(root)) continue;
    const work: { id: string; i: number }[] = [{ id: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1];
      const deps = nodes.get(frame.id)!.deps;
      if (frame.i < deps.length) {
        const d = deps[frame.i++];
        if (!inLeft.has(d)) continue;
        if (!index.has(d)) {
          index.set(d, counter);
          low.set(d, counter++);
          stack.push(d);
          onStack.add(d);
          work.push({ id: d, i: 0 });
        } else if (onStack.has(d)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(d)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].id;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.id)!));
      }
      if (low.get(frame.id) === index.get(frame.id)) {
        const comp: string[] = [];
        let x: string;
        do {
          x = stack.pop()!;
          onStack.delete(x);
          comp.push(x);
        } while (x !== frame.id);
        if (comp.length > 1) cycles.push(comp.sort());
      }
    }
  }
  return cycles;
}
