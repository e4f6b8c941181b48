/**
 * What the board announces when tickets change. Pure: given the board before and after a
 * change (two graphs of tickets, see graph.ts) and the agents with their roles, it returns
 * the recados to send from `board` (wave_open, ready, deps_done, assigned). Delivery is done
 * by store/announce.ts. Who gets what, and why each is told exactly once whoever computes it:
 * docs/design/delivery.md ("Announcements").
 *
 * Each recado id is a function of the STATE that makes it true (core/fixed-id.ts):
 *   wave_open N  <- N and the (id, updated) of every ticket in the waves below N
 *   ready T      <- T and the (id, updated) of each of T's dependencies
 *   deps_done T  <- T and the (id, updated) of each of T's dependencies
 *   assigned T   <- T, the assignee, and T's `updated`
 */
import { fixedRecadoId } from './fixed-id.js';
import type { BoardGraph, GraphNode } from './graph.js';
import { RESOLVED } from './ticket.js';

export interface AnnounceTicket extends GraphNode {
  title?: string;
  assignee: string | null;
  updated: string | null;
  updated_by?: string | null;
  claim?: { by: string } | null;
}

/** The board as the announcer sees it: a graph whose nodes are tickets. */
export type AnnounceState = BoardGraph<AnnounceTicket>;

export type AnnouncementKind = 'wave_open' | 'ready' | 'deps_done' | 'assigned';

export interface Announcement {
  /** Deterministic recado id (see the top of this file); safe as a file name. */
  id: string;
  kind: AnnouncementKind;
  /** Recipients, sorted, without duplicates. Never empty. */
  to: string[];
  subject: string;
  body: string;
  /** The ticket concerned (ready, deps_done, assigned). */
  ticket?: string;
  /** The wave concerned (wave_open; for the others the ticket's wave, if it has one). */
  wave?: number;
  /** Every ticket the recado is about. */
  tickets: string[];
}

export interface AnnounceOptions {
  /**
   * Ids of the tickets that differ between `before` and `after` (edited, added or removed).
   * When given, only they and what they can affect are examined; otherwise every ticket is.
   */
  changed?: Iterable<string>;
}

export const ORCHESTRATOR_ROLE = 'orchestrator';

/** A deterministic recado id: `board-<kind>-<subject>-<16 hex of sha256(basis)>`. */
export function announcementId(kind: string, subject: string, basis: readonly string[]): string {
  // a recado id is lower-case and at most 64 characters: the subject is only a readable hint
  const hint = subject
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .slice(0, 24);
  return fixedRecadoId(kind, [kind, subject, basis.join('\n')], { hexDigits: 16, hint });
}

const ID_KINDS: ReadonlyArray<[string, AnnouncementKind]> = [
  ['board-wave-', 'wave_open'],
  ['board-ready-', 'ready'],
  ['board-deps-', 'deps_done'],
  ['board-assigned-', 'assigned'],
];

/** The kind of announcement a recado id names (see announcementId), or null for any other recado. */
export function announcementKindOf(id: string): AnnouncementKind | null {
  for (const [prefix, kind] of ID_KINDS) if (id.startsWith(prefix)) return kind;
  return null;
}

const stamp = (t: AnnounceTicket | undefined, id: string) => `${id}@${t?.updated ?? ''}`;

function depsBasis(state: AnnounceState, t: AnnounceTicket): string[] {
  return [...t.deps].sort().map((d) => stamp(state.node(d), d));
}

function lowerWavesBasis(state: AnnounceState, wave: number): string[] {
  const out: string[] = [];
  for (let w = 1; w < wave; w++) for (const id of state.ticketsOf(w)) out.push(stamp(state.node(id), id));
  return out;
}

const uniqSorted = (names: Iterable<string | null | undefined>) =>
  [...new Set([...names].filter((n): n is string => typeof n === 'string' && n.length > 0))].sort();

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function label(t: AnnounceTicket): string {
  return t.title ? `${t.id} (${t.title})` : t.id;
}

function wavesBelow(n: number): string {
  return n === 2 ? 'wave 1' : `waves 1 to ${n - 1}`;
}

function stateLine(state: AnnounceState, t: AnnounceTicket, who = 'NAME'): string {
  const d = state.derived(t.id);
  if (RESOLVED.has(t.status)) return `It is ${t.status}.`;
  if (d.ready) return `It is ready: claim it with \`board claim ${t.id} --as ${who}\`.`;
  if (t.status !== 'todo') return `It is ${t.status}${t.claim ? ` (claimed by ${t.claim.by})` : ''}.`;
  if (d.blocked_by.length) return `It waits on ${d.blocked_by.join(', ')}.`;
  if (d.wave === null) return 'It is on or behind a dependency cycle (see `board doctor`).';
  return `It is in wave ${d.wave}; wave ${state.openWave} is open (strict policy), so it becomes ready when wave ${d.wave} opens.`;
}

/**
 * The announcements for the change from `before` to `after`. `agents` maps agent names to
 * their settings (only `role` is used: `orchestrator` gets wave and ready announcements).
 */
export function announcements(
  before: AnnounceState,
  after: AnnounceState,
  agents: Readonly<Record<string, { role: string | null }>>,
  opts: AnnounceOptions = {},
): Announcement[] {
  const orchestrators = uniqSorted(
    Object.entries(agents)
      .filter(([, a]) => a.role === ORCHESTRATOR_ROLE)
      .map(([n]) => n),
  );
  const strict = after.policy === 'strict';
  const out: Announcement[] = [];

  // --- the open wave moved up
  let opened: number | null = null;
  const bo = before.openWave;
  const ao = after.openWave;
  if (bo !== null && ao !== null && ao > bo) {
    opened = ao;
    const ids = after.ticketsOf(ao);
    const tickets = ids.map((id) => after.node(id)!);
    const unfinished = tickets.filter((t) => !RESOLVED.has(t.status));
    const to = uniqSorted([...(strict ? unfinished.map((t) => t.assignee) : []), ...orchestrators]);
    if (to.length) {
      const lines = tickets.map((t) => {
        const d = after.derived(t.id);
        const state = d.ready
          ? 'ready'
          : RESOLVED.has(t.status) || t.status !== 'todo'
            ? t.status
            : `waits on ${d.blocked_by.join(', ')}`;
        return `- ${t.id}${t.title ? `  ${t.title}` : ''}  (${t.assignee ?? 'unassigned'}, ${state})`;
      });
      out.push({
        id: announcementId('wave', String(ao), lowerWavesBasis(after, ao)),
        kind: 'wave_open',
        to,
        subject: `wave ${ao} open (${plural(ids.length, 'ticket')})`,
        body: [
          `Wave ${ao} is open: every ticket of ${wavesBelow(ao)} is done or cancelled.`,
          ...(strict ? [] : ['(Policy flow: each ticket is ready as soon as its own dependencies are done.)']),
          '',
          `Tickets of wave ${ao}:`,
          ...lines,
          ...(strict ? ['', 'Take one with `board next --as NAME`, or `board claim ID --as NAME`.'] : []),
        ].join('\n'),
        wave: ao,
        tickets: [...ids],
      });
    }
  }

  // --- which tickets to examine
  let candidates: Iterable<string>;
  const changed = opts.changed ? [...new Set(opts.changed)] : undefined;
  const sameShape =
    changed !== undefined &&
    changed.every((id) => {
      const a = before.node(id);
      const b = after.node(id);
      return (
        a !== undefined && b !== undefined && a.deps.length === b.deps.length && a.deps.every((d, i) => d === b.deps[i])
      );
    });
  if (changed && sameShape) {
    const set = new Set<string>(changed);
    for (const id of changed) for (const dep of after.dependentsOf(id)) set.add(dep);
    if (ao !== null && ao !== bo) for (const id of after.ticketsOf(ao)) set.add(id);
    candidates = [...set].sort();
  } else {
    // no hint, or deps changed, or tickets came or went: waves may have shifted anywhere
    candidates = [...after.nodes()].map((t) => t.id).sort();
  }

  const ready: Announcement[] = [];
  const depsDone: Announcement[] = [];
  const assigned: Announcement[] = [];
  for (const id of candidates) {
    const t = after.node(id);
    if (!t) continue;
    const prev = before.node(id);
    const da = after.derived(id);

    if (prev) {
      const db = before.derived(id);
      if (da.ready && !db.ready) {
        if (!(strict && opened !== null && da.wave === opened)) {
          const to = uniqSorted([t.assignee, ...orchestrators]);
          if (to.length) {
            ready.push({
              id: announcementId('ready', id, depsBasis(after, t)),
              kind: 'ready',
              to,
              subject: `${id} ready${t.title ? `: ${t.title}` : ''}`,
              body: [
                `${label(t)} is ready${t.deps.length ? `: its ${t.deps.length === 1 ? 'dependency' : 'dependencies'} ${t.deps.join(', ')} ${t.deps.length === 1 ? 'is' : 'are'} done or cancelled` : ''}.`,
                `Assignee: ${t.assignee ?? 'nobody yet'}. Wave ${da.wave}.`,
                `Claim it with \`board claim ${id} --as NAME\`.`,
              ].join('\n'),
              ticket: id,
              wave: da.wave ?? undefined,
              tickets: [id],
            });
          }
        }
      } else if (
        !da.ready &&
        t.deps.length > 0 &&
        db.blocked_by.length > 0 &&
        da.blocked_by.length === 0 &&
        !RESOLVED.has(t.status)
      ) {
        const to = uniqSorted([t.assignee, t.claim?.by]);
        if (to.length) {
          depsDone.push({
            id: announcementId('deps', id, depsBasis(after, t)),
            kind: 'deps_done',
            to,
            subject: `all dependencies of ${id} done`,
            body: [
              `Every dependency of ${label(t)} is done or cancelled: ${t.deps.join(', ')}.`,
              stateLine(after, t),
            ].join('\n'),
            ticket: id,
            wave: da.wave ?? undefined,
            tickets: [id],
          });
        }
      }
    }

    if (
      t.assignee &&
      (!prev || prev.assignee !== t.assignee) &&
      t.assignee !== t.updated_by &&
      !RESOLVED.has(t.status)
    ) {
      assigned.push({
        id: announcementId('assigned', id, [t.assignee, t.updated ?? '']),
        kind: 'assigned',
        to: [t.assignee],
        subject: `${id} assigned to you${t.title ? `: ${t.title}` : ''}`,
        body: [
          `${label(t)} is assigned to you${t.updated_by ? ` by ${t.updated_by}` : ''}.`,
          stateLine(after, t, t.assignee),
          `See it with \`board show ${id}\`.`,
        ].join('\n'),
        ticket: id,
        wave: da.wave ?? undefined,
        tickets: [id],
      });
    }
  }
  return [...out, ...ready, ...depsDone, ...assigned];
}
