/**
 * The dependency graph and Todone waves. Pure: works on {id, deps, status} nodes (any object
 * with those fields: the graph hands back the nodes it was given). The rules (wave, open
 * wave, ready, cycles): docs/commands.md ("Todone waves") and docs/architecture.md (core).
 *
 * Cost: `computeGraph` is O(tickets + deps). `updateGraph` is the incremental path for the
 * common change, a status change: waves, cycles and dependents are shared with the previous
 * graph and only the per-wave counts are adjusted, O(changed + waves). A change of deps, or a
 * ticket added or removed, recomputes in full (in memory: nothing is read again).
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
  /** Ticket ids of the wave, sorted. */
  tickets: string[];
  /** Tickets done or cancelled. */
  done: number;
  total: number;
}

export interface BoardGraph<N extends GraphNode = GraphNode> {
  policy: WavePolicy;
  /** Lowest wave with an unresolved ticket; null when every wave is finished (or empty). */
  openWave: number | null;
  /** Highest wave number (0 for an empty board). */
  maxWave: number;
  /** Each cycle as the sorted list of its tickets (one strongly connected component each). */
  cycles: string[][];
  /** Ticket id -> dependencies that name no ticket. */
  unknownDeps: ReadonlyMap<string, string[]>;
  size: number;
  has(id: string): boolean;
  node(id: string): N | undefined;
  nodes(): IterableIterator<N>;
  waveOf(id: string): number | null;
  derived(id: string): Derived;
  /** Every wave in order, with its tickets and progress. Tickets without a wave are left out. */
  waves(): WaveSummary[];
  /** Sorted ids of the tickets of one wave. */
  ticketsOf(wave: number): readonly string[];
  /** Ids of the tickets that list `id` in their deps. */
  dependentsOf(id: string): readonly string[];
}

export const isResolvedStatus = (status: string): boolean => RESOLVED.has(status);

/** What two graphs with the same deps can share. */
interface Shape {
  wave: Map<string, number>;
  dependents: Map<string, string[]>;
  unknownDeps: Map<string, string[]>;
  cycles: string[][];
  maxWave: number;
  /** Lazily built: wave -> sorted ids. */
  byWave?: string[][];
}

const EMPTY: readonly string[] = Object.freeze([]);

class Graph<N extends GraphNode> implements BoardGraph<N> {
  readonly openWave: number | null;
  private summaries?: WaveSummary[];

  constructor(
    readonly policy: WavePolicy,
    private readonly map: Map<string, N>,
    /** Internal (shared with updateGraph). */
    readonly shape: Shape,
    /** Internal: unresolved[w] = tickets of wave w not done or cancelled. */
    readonly unresolved: number[],
  ) {
    let open: number | null = null;
    for (let w = 1; w < unresolved.length; w++) {
      if (unresolved[w] > 0) {
        open = w;
        break;
      }
    }
    this.openWave = open;
  }

  get maxWave() {
    return this.shape.maxWave;
  }
  get cycles() {
    return this.shape.cycles;
  }
  get unknownDeps(): ReadonlyMap<string, string[]> {
    return this.shape.unknownDeps;
  }
  get size() {
    return this.map.size;
  }
  has(id: string) {
    return this.map.has(id);
  }
  node(id: string) {
    return this.map.get(id);
  }
  nodes() {
    return this.map.values();
  }
  waveOf(id: string): number | null {
    return this.shape.wave.get(id) ?? null;
  }
  dependentsOf(id: string): readonly string[] {
    return this.shape.dependents.get(id) ?? EMPTY;
  }

  derived(id: string): Derived {
    const n = this.map.get(id);
    if (!n) return { wave: null, ready: false, blocked_by: [] };
    const blocked_by: string[] = [];
    for (const d of n.deps) {
      const dep = this.map.get(d);
      if (!dep || !RESOLVED.has(dep.status)) blocked_by.push(d);
    }
    const w = this.waveOf(id);
    const ready =
      n.status === 'todo' && blocked_by.length === 0 && w !== null && (this.policy === 'flow' || w === this.openWave);
    return { wave: w, ready, blocked_by };
  }

  ticketsOf(wave: number): readonly string[] {
    const s = this.shape;
    if (!s.byWave) {
      const by: string[][] = Array.from({ length: s.maxWave + 1 }, () => []);
      for (const [id, w] of s.wave) by[w].push(id);
      for (const list of by) list.sort();
      s.byWave = by;
    }
    return s.byWave[wave] ?? EMPTY;
  }

  waves(): WaveSummary[] {
    if (!this.summaries) {
      const out: WaveSummary[] = [];
      for (let w = 1; w <= this.shape.maxWave; w++) {
        const tickets = [...this.ticketsOf(w)];
        if (!tickets.length) continue;
        out.push({ wave: w, tickets, done: tickets.length - this.unresolved[w], total: tickets.length });
      }
      this.summaries = out;
    }
    return this.summaries.map((s) => ({ ...s, tickets: [...s.tickets] }));
  }
}

function countUnresolved<N extends GraphNode>(map: Map<string, N>, shape: Shape): number[] {
  const unresolved = new Array<number>(shape.maxWave + 1).fill(0);
  for (const [id, w] of shape.wave) if (!RESOLVED.has(map.get(id)!.status)) unresolved[w]++;
  return unresolved;
}

function computeShape<N extends GraphNode>(nodes: Map<string, N>): Shape {
  const unknownDeps = new Map<string, string[]>();
  const dependents = new Map<string, string[]>();
  const pending = new Map<string, number>(); // known deps not yet given a wave
  for (const n of nodes.values()) {
    let count = 0;
    for (const d of n.deps) {
      if (!nodes.has(d)) {
        const list = unknownDeps.get(n.id);
        if (list) list.push(d);
        else unknownDeps.set(n.id, [d]);
        continue;
      }
      count++;
      const list = dependents.get(d);
      if (list) list.push(n.id);
      else dependents.set(d, [n.id]);
    }
    pending.set(n.id, count);
  }

  // Kahn's algorithm, layer by layer: a ticket enters layer k once the last of its deps was
  // placed in layer k-1, so its layer is 1 + the largest wave of its deps.
  const wave = new Map<string, number>();
  let queue: string[] = [];
  for (const [id, c] of pending) if (c === 0) queue.push(id);
  let layer = 0;
  while (queue.length) {
    layer++;
    for (const id of queue) wave.set(id, layer);
    const next: string[] = [];
    for (const id of queue) {
      for (const dep of dependents.get(id) ?? EMPTY) {
        const left = pending.get(dep)! - 1;
        pending.set(dep, left);
        if (left === 0) next.push(dep);
      }
    }
    queue = next;
  }

  const cycles = wave.size === nodes.size ? [] : findCycles(nodes, wave);
  return { wave, dependents, unknownDeps, cycles, maxWave: layer };
}

export function computeGraph<N extends GraphNode>(input: Iterable<N>, policy: WavePolicy = 'strict'): BoardGraph<N> {
  const nodes = new Map<string, N>();
  for (const n of input) nodes.set(n.id, n);
  const shape = computeShape(nodes);
  return new Graph(policy, nodes, shape, countUnresolved(nodes, shape));
}

const sameDeps = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The graph after some tickets changed (`changed`: their new versions, or new tickets) and
 * some were removed. Equal to `computeGraph` of the resulting tickets; cheap when only
 * statuses (or other fields than deps) changed.
 */
export function updateGraph<N extends GraphNode>(
  prev: BoardGraph<N>,
  changed: Iterable<N>,
  removed: Iterable<string> = [],
  policy: WavePolicy = prev.policy,
): BoardGraph<N> {
  const map = new Map<string, N>();
  for (const n of prev.nodes()) map.set(n.id, n);
  const list = [...changed];
  const gone = [...removed];
  let sameShape = prev instanceof Graph && gone.every((id) => !map.has(id));
  for (const n of list) {
    const old = map.get(n.id);
    if (!old || !sameDeps(old.deps, n.deps)) sameShape = false;
  }
  if (!sameShape) {
    for (const id of gone) map.delete(id);
    for (const n of list) map.set(n.id, n);
    const shape = computeShape(map);
    return new Graph(policy, map, shape, countUnresolved(map, shape));
  }
  const g = prev as Graph<N>;
  const shape = g.shape;
  const unresolved = g.unresolved.slice();
  for (const n of list) {
    const old = map.get(n.id)!;
    const w = shape.wave.get(n.id);
    if (w !== undefined) unresolved[w] += Number(!RESOLVED.has(n.status)) - Number(!RESOLVED.has(old.status));
    map.set(n.id, n);
  }
  return new Graph(policy, map, shape, unresolved);
}

/**
 * Strongly connected components (iterative Tarjan) among the tickets left without a wave;
 * every component with more than one ticket is a cycle. A ticket listing itself is refused
 * when the ticket is read (a ticket-level problem), so it is not reported here.
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
  return cycles.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
