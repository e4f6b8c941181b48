/**
 * The facts `board status` needs from the disk, gathered cheaply: tickets from loadBoard
 * (the derived cache), one directory listing per inbox folder, the newest recados (at most
 * RECENT_RECADOS files read, newest first, to find who sent what last), and the watcher's
 * socket and state file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sentOfId } from '../core/recado.js';
import {
  buildStatus,
  NEEDS_YOU_REJECTED_MS,
  type Activity,
  type AgentStateView,
  type BoardStatus,
  type RejectedItem,
  type WatcherStatus,
} from '../core/status.js';
import type { Board } from './board.js';
import { fastFrontmatter, inboxAgents } from './mailbox.js';
import { loadBoard } from './tickets.js';
import { integrationStatus, type IntegrationSummary } from '../core/integrate.js';

/** How many of the newest recados are read to find each agent's last one sent. */
export const RECENT_RECADOS = 200;

const TIME_ID = /^([0-9a-z]{6,10})-/;

function mdNames(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.md') && !n.startsWith('.'));
  } catch {
    return [];
  }
}

const quote = (s: string) => (s.length > 50 ? `${s.slice(0, 49)}…` : s).replace(/\s+/g, ' ');

export function gatherInboxes(board: Board): { unread: Map<string, number>; activity: Map<string, Activity[]> } {
  const unread = new Map<string, number>();
  const activity = new Map<string, Activity[]>();
  const add = (agent: string, a: Activity) => activity.set(agent, [...(activity.get(agent) ?? []), a]);
  const files = new Map<string, { path: string; time: number }>();
  for (const agent of inboxAgents(board)) {
    const fresh = mdNames(board.inboxNew(agent));
    const cur = mdNames(board.inboxCur(agent));
    const read = new Set(cur);
    unread.set(agent, fresh.filter((n) => !read.has(n)).length);
    if (cur.length) {
      try {
        add(agent, {
          at: statSync(board.inboxCur(agent))
            .mtime.toISOString()
            .replace(/\.\d{3}Z$/, 'Z'),
          what: 'read its inbox',
        });
      } catch {
        /* gone meanwhile */
      }
    }
    for (const [dir, names] of [
      [board.inboxNew(agent), fresh],
      [board.inboxCur(agent), cur],
    ] as const) {
      for (const n of names) {
        const m = TIME_ID.exec(n);
        if (!m) continue; // the board's own notices
        const id = n.slice(0, -3);
        if (!files.has(id)) files.set(id, { path: join(dir, n), time: parseInt(m[1], 36) });
      }
    }
  }
  const newest = [...files.entries()]
    .sort((a, b) => b[1].time - a[1].time || (a[0] < b[0] ? 1 : -1))
    .slice(0, RECENT_RECADOS);
  const seen = new Set<string>();
  for (const [id, f] of newest) {
    let raw: string;
    try {
      raw = readFileSync(f.path, 'utf8');
    } catch {
      continue;
    }
    const fm = fastFrontmatter(raw.length > 65536 ? raw.slice(0, 65536) : raw);
    const from = typeof fm?.data.from === 'string' ? fm.data.from : null;
    if (!from || from === 'board' || seen.has(from)) continue;
    seen.add(from);
    const to = Array.isArray(fm!.data.to) ? (fm!.data.to as string[]).join(', ') : String(fm!.data.to ?? '?');
    const subject = typeof fm!.data.subject === 'string' ? ` "${quote(fm!.data.subject)}"` : '';
    add(from, { at: sentOfId(id) ?? new Date(f.time).toISOString(), what: `recado to ${to}:${subject}` });
  }
  return { unread, activity };
}

/** Refused edits and bounced recados kept in rejected/ within the last hour (their `.reason` files). */
export function recentRejected(board: Board, now: Date): RejectedItem[] {
  let names: string[];
  try {
    names = readdirSync(board.rejectedDir).filter((n) => n.endsWith('.reason'));
  } catch {
    return [];
  }
  const out: RejectedItem[] = [];
  for (const n of names) {
    const path = join(board.rejectedDir, n);
    try {
      if (now.getTime() - statSync(path).mtimeMs > NEEDS_YOU_REJECTED_MS) continue;
      const text = readFileSync(path, 'utf8').slice(0, 8192);
      const field = (k: string) => {
        const m = new RegExp(`^${k}: (.*)$`, 'm').exec(text);
        if (!m) return null;
        try {
          const v = JSON.parse(m[1]) as unknown;
          return typeof v === 'string' ? v : m[1];
        } catch {
          return m[1];
        }
      };
      const original = field('file') ?? '';
      out.push({
        file: board.rel(path.slice(0, -'.reason'.length)),
        kind: /(^|\/)tickets\//.test(original) ? 'refused edit' : 'bounce',
        reason: field('reason') ?? '',
        from: field('from'),
        at: field('at') ?? new Date(statSync(path).mtimeMs).toISOString(),
      });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/**
 * How to ask about the watcher (its socket and state file). The store does not know the
 * watcher: the caller passes src/watch/daemon.ts (see docs/architecture.md, layers).
 */
export interface WatcherProbe {
  queryInstance(board: Board, timeoutMs: number): Promise<{ pid: number; started: string; state: string } | null>;
  readWatcherState(
    board: Board,
  ): (Omit<WatcherStatus, 'running' | 'since' | 'state' | 'pid'> & { pid: number; started: string }) | null;
}

/** The live state of agents' conversations (src/agents/live.ts agentStates), passed in by the caller like the watcher. */
export type AgentStatesProbe = (board: Board, now: Date) => ReadonlyMap<string, AgentStateView>;

export async function boardStatus(
  board: Board,
  daemon: WatcherProbe,
  now = new Date(),
  agentStates?: AgentStatesProbe,
): Promise<BoardStatus & { integration: IntegrationSummary | null }> {
  const loaded = loadBoard(board);
  const { unread, activity } = gatherInboxes(board);
  const [instance, state] = [await daemon.queryInstance(board, 1000), daemon.readWatcherState(board)];
  const mine = state && instance && state.pid === instance.pid ? state : null;
  const watcher: WatcherStatus = {
    running: Boolean(instance),
    pid: instance?.pid || null,
    since: instance ? (instance.started !== '?' ? instance.started : (mine?.started ?? null)) : null,
    state: instance?.state ?? (state ? 'stopped' : null),
    last_event: (mine ?? state)?.last_event ?? null,
    heartbeat: (mine ?? state)?.heartbeat ?? null,
    delivered: mine?.delivered ?? null,
    rejected: mine?.rejected ?? null,
    waiting: mine?.waiting ?? null,
    plugins: mine?.plugins ?? [],
  };
  const status = buildStatus({
    states: agentStates?.(board, now),
    rejected: recentRejected(board, now),
    board: board.root,
    policy: loaded.graph.policy,
    open: loaded.graph.openWave,
    waves: loaded.graph.waves(),
    tickets: loaded.tickets.values(),
    agents: loaded.config.agents,
    unread,
    activity,
    watcher,
    now,
  });
  // integration per ticket and per wave (docs/integrate.md)
  return { ...status, integration: integrationStatus(loaded.tickets.values(), loaded.graph, loaded.config) };
}
