import { describe, expect, it } from 'vitest';
import { computeGraph, updateGraph, type BoardGraph, type GraphNode, type WavePolicy } from '../../src/core/graph.js';

const n = (id: string, deps: string[] = [], status = 'todo'): GraphNode => ({ id, deps, status });

/** Everything observable about a graph, for comparing two of them. */
function snapshot(g: BoardGraph) {
  const ids = [...g.nodes()].map((x) => x.id).sort();
  return {
    policy: g.policy,
    openWave: g.openWave,
    maxWave: g.maxWave,
    cycles: g.cycles,
    unknown: [...g.unknownDeps.entries()].sort(),
    waves: g.waves(),
    derived: ids.map((id) => [id, g.derived(id)]),
    dependents: ids.map((id) => [id, [...g.dependentsOf(id)].sort()]),
  };
}

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('waves', () => {
  it('wave = 1 + the largest wave of the deps', () => {
    // A   B
    //  \ / \
    //   C   D
    //    \ /
    //     E --- F (F also depends on A directly)
    const g = computeGraph([n('A'), n('B'), n('C', ['A', 'B']), n('D', ['B']), n('E', ['C', 'D']), n('F', ['E', 'A'])]);
    expect(['A', 'B', 'C', 'D', 'E', 'F'].map((id) => g.waveOf(id))).toEqual([1, 1, 2, 2, 3, 4]);
    expect(g.maxWave).toBe(4);
    expect(g.waves()).toEqual([
      { wave: 1, tickets: ['A', 'B'], done: 0, total: 2 },
      { wave: 2, tickets: ['C', 'D'], done: 0, total: 2 },
      { wave: 3, tickets: ['E'], done: 0, total: 1 },
      { wave: 4, tickets: ['F'], done: 0, total: 1 },
    ]);
    expect([...g.dependentsOf('A')].sort()).toEqual(['C', 'F']);
    expect(g.openWave).toBe(1);
  });

  it('a long chain is a wave per ticket, in input order or not', () => {
    const chain = Array.from({ length: 50 }, (_, i) => n(`T${i}`, i ? [`T${i - 1}`] : []));
    const g = computeGraph(chain.reverse());
    expect(g.waveOf('T0')).toBe(1);
    expect(g.waveOf('T49')).toBe(50);
  });

  it('an empty board has no open wave and no waves', () => {
    const g = computeGraph([]);
    expect(g.openWave).toBeNull();
    expect(g.waves()).toEqual([]);
    expect(g.maxWave).toBe(0);
    expect(g.derived('nope')).toEqual({ wave: null, ready: false, blocked_by: [] });
  });
});

describe('strict and flow', () => {
  // wave 1: A (done), B (todo); wave 2: C <- A, D <- B; wave 3: E <- C
  const nodes = [n('A', [], 'done'), n('B'), n('C', ['A']), n('D', ['B']), n('E', ['C'])];

  it('strict: only the lowest unfinished wave is ready', () => {
    const g = computeGraph(nodes, 'strict');
    expect(g.openWave).toBe(1);
    const ready = nodes.filter((x) => g.derived(x.id).ready).map((x) => x.id);
    expect(ready).toEqual(['B']);
    // C has its deps done but its wave is not open
    expect(g.derived('C')).toEqual({ wave: 2, ready: false, blocked_by: [] });
    expect(g.derived('D')).toEqual({ wave: 2, ready: false, blocked_by: ['B'] });
  });

  it('flow: a ticket is ready when its own deps are resolved', () => {
    const g = computeGraph(nodes, 'flow');
    expect(g.openWave).toBe(1);
    const ready = nodes.filter((x) => g.derived(x.id).ready).map((x) => x.id);
    expect(ready).toEqual(['B', 'C']);
    expect(g.derived('E').blocked_by).toEqual(['C']);
  });

  it('only todo tickets are ready', () => {
    for (const status of ['in_progress', 'review', 'done', 'cancelled']) {
      const g = computeGraph([n('A', [], status)], 'flow');
      expect(g.derived('A').ready).toBe(false);
    }
  });

  it('a cancelled dependency resolves, like a done one', () => {
    const strict = computeGraph([n('A', [], 'cancelled'), n('B', ['A'])], 'strict');
    expect(strict.openWave).toBe(2);
    expect(strict.derived('B')).toEqual({ wave: 2, ready: true, blocked_by: [] });
    expect(strict.waves()[0]).toEqual({ wave: 1, tickets: ['A'], done: 1, total: 1 });
    const flow = computeGraph([n('A', [], 'cancelled'), n('B', ['A'])], 'flow');
    expect(flow.derived('B').ready).toBe(true);
  });

  it('every wave finished: no open wave, nothing ready', () => {
    const g = computeGraph([n('A', [], 'done'), n('B', ['A'], 'cancelled')]);
    expect(g.openWave).toBeNull();
    expect(g.derived('B').ready).toBe(false);
  });
});

describe('unknown dependencies', () => {
  it('are reported, do not count for the wave, and block the ticket', () => {
    const g = computeGraph([n('A', [], 'done'), n('B', ['A', 'GHOST', 'PHANTOM'])], 'flow');
    expect(g.unknownDeps.get('B')).toEqual(['GHOST', 'PHANTOM']);
    expect(g.waveOf('B')).toBe(2);
    expect(g.derived('B')).toEqual({ wave: 2, ready: false, blocked_by: ['GHOST', 'PHANTOM'] });
  });
});

describe('cycles', () => {
  it('names every ticket of the cycle; tickets behind it get no wave but are not on it', () => {
    const g = computeGraph([n('A', ['C']), n('B', ['A']), n('C', ['B']), n('D', ['C']), n('E')]);
    expect(g.cycles).toEqual([['A', 'B', 'C']]);
    for (const id of ['A', 'B', 'C', 'D']) expect(g.waveOf(id)).toBeNull();
    expect(g.waveOf('E')).toBe(1);
    expect(g.derived('D')).toEqual({ wave: null, ready: false, blocked_by: ['C'] });
    expect(g.waves()).toEqual([{ wave: 1, tickets: ['E'], done: 0, total: 1 }]);
  });

  it('two cycles are two entries; two cycles sharing a ticket are one, naming all of it', () => {
    const g = computeGraph([
      n('A', ['B']),
      n('B', ['A']), // cycle 1
      n('X', ['Y']),
      n('Y', ['Z']),
      n('Z', ['X', 'W']),
      n('W', ['Y']), // X-Y-Z and Y-Z-W share Y, Z
      n('ok'),
    ]);
    expect(g.cycles).toEqual([
      ['A', 'B'],
      ['W', 'X', 'Y', 'Z'],
    ]);
  });

  it('a cycle of 10,000 tickets is found without running out of stack', () => {
    const N = 10_000;
    const nodes = Array.from({ length: N }, (_, i) => n(`T${i}`, [`T${(i + 1) % N}`]));
    const g = computeGraph(nodes);
    expect(g.cycles).toHaveLength(1);
    expect(g.cycles[0]).toHaveLength(N);
  });
});

describe('10,000 tickets in 1,000 layers', () => {
  const N = 10_000;
  const LAYERS = 1_000;
  const per = N / LAYERS;
  const make = (doneLayers: number) =>
    Array.from({ length: N }, (_, i) => {
      const layer = Math.floor(i / per);
      const deps = layer === 0 ? [] : [`T${(layer - 1) * per + (i % per)}`, `T${(layer - 1) * per + ((i + 3) % per)}`];
      return n(`T${i}`, deps, layer < doneLayers ? 'done' : 'todo');
    });

  // How fast: `npm run bench waves` (a unit test never times a busy machine)
  it('computes waves, the open wave and readiness', () => {
    const nodes = make(500);
    const g = computeGraph(nodes, 'strict');
    const ready = nodes.filter((x) => g.derived(x.id).ready).length;
    const waves = g.waves();
    expect(g.maxWave).toBe(LAYERS);
    expect(g.waveOf('T0')).toBe(1);
    expect(g.waveOf(`T${N - 1}`)).toBe(LAYERS);
    expect(g.openWave).toBe(501);
    expect(ready).toBe(per);
    expect(waves).toHaveLength(LAYERS);
    expect(waves[499]).toMatchObject({ wave: 500, done: per, total: per });
  });

  it('closing one ticket is an in-memory update, equal to a full recompute', () => {
    const nodes = make(500);
    let g = computeGraph(nodes, 'strict');
    // close the whole open wave, one ticket at a time
    for (let i = 500 * per; i < 501 * per; i++) g = updateGraph(g, [n(`T${i}`, nodes[i].deps as string[], 'done')]);
    expect(g.openWave).toBe(502);
    const closed = nodes.map((x, i) => (i >= 500 * per && i < 501 * per ? { ...x, status: 'done' } : x));
    expect(snapshot(g)).toEqual(snapshot(computeGraph(closed, 'strict')));
  });
});

describe('updateGraph', () => {
  it('matches computeGraph over random edits (status, deps, added, removed tickets)', () => {
    const statuses = ['todo', 'todo', 'in_progress', 'review', 'done', 'cancelled'];
    for (const policy of ['strict', 'flow'] as WavePolicy[]) {
      const rand = rng(policy === 'strict' ? 7 : 11);
      const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
      const nodes = new Map<string, GraphNode>();
      for (let i = 0; i < 40; i++) {
        const deps =
          i === 0
            ? []
            : [...new Set(Array.from({ length: Math.floor(rand() * 3) }, () => `T${Math.floor(rand() * i)}`))];
        nodes.set(`T${i}`, n(`T${i}`, deps, pick(statuses)));
      }
      let g = computeGraph(nodes.values(), policy);
      for (let step = 0; step < 300; step++) {
        const ids = [...nodes.keys()];
        const r = rand();
        const changed: GraphNode[] = [];
        const removed: string[] = [];
        if (r < 0.6) {
          const id = pick(ids);
          changed.push({ ...nodes.get(id)!, status: pick(statuses) });
        } else if (r < 0.8) {
          const id = pick(ids);
          // sometimes a cycle, sometimes an unknown dep
          const deps = [...new Set([pick(ids), ...(rand() < 0.1 ? ['GHOST'] : [])])].filter((d) => d !== id);
          changed.push({ ...nodes.get(id)!, deps });
        } else if (r < 0.9) {
          const id = `N${step}`;
          changed.push(n(id, [pick(ids)], pick(statuses)));
        } else {
          removed.push(pick(ids));
        }
        g = updateGraph(g, changed, removed);
        for (const c of changed) nodes.set(c.id, c);
        for (const id of removed) nodes.delete(id);
        expect(snapshot(g)).toEqual(snapshot(computeGraph(nodes.values(), policy)));
      }
    }
  });

  it('leaves the previous graph unchanged', () => {
    const g1 = computeGraph([n('A'), n('B', ['A'])]);
    const before = snapshot(g1);
    const g2 = updateGraph(g1, [n('A', [], 'done')]);
    expect(snapshot(g1)).toEqual(before);
    expect(g2.openWave).toBe(2);
    expect(g2.derived('B').ready).toBe(true);
  });

  it('can switch the policy', () => {
    const g = computeGraph([n('A'), n('B'), n('C', ['A'], 'todo')], 'strict');
    const flow = updateGraph(g, [n('A', [], 'done')], [], 'flow');
    expect(flow.policy).toBe('flow');
    expect(flow.derived('C').ready).toBe(true);
    expect(updateGraph(g, [n('A', [], 'done')]).derived('C').ready).toBe(false);
  });
});
