/**
 * `board status`: the state of the whole board in one object. Pure: the caller gathers the
 * facts from the disk (store/status.ts) and the watcher; this puts them together.
 */
import type { AgentConfig } from './config.js';
import type { WaveSummary } from './graph.js';
import { RESOLVED, STATUSES, type Ticket } from './ticket.js';

export interface Activity {
  /** ISO time. */
  at: string;
  /** What it was: "recado to bob: \"API ready\"", "created/claimed/edited/closed T-4k9x", "read its inbox". */
  what: string;
}

export interface ClaimStatus {
  id: string;
  title: string;
  status: string;
  since: string;
  expires: string;
  /** Milliseconds of lease left (0 once it ran out). */
  left_ms: number;
  expired: boolean;
}

export interface AgentStatus {
  name: string;
  role: string | null;
  /** In board.yaml (false: holds a claim but is not a listed agent). */
  listed: boolean;
  worktree: string | null;
  claims: ClaimStatus[];
  /** Unread recados (null: no inbox). */
  unread: number | null;
  last_activity: Activity | null;
}

export interface WatcherStatus {
  running: boolean;
  pid: number | null;
  since: string | null;
  state: string | null;
  last_event: string | null;
  heartbeat: string | null;
  delivered: number | null;
  rejected: number | null;
  waiting: number | null;
  plugins: string[];
}

export interface BoardStatus {
  board: string;
  policy: string;
  open: number | null;
  waves: WaveSummary[];
  tickets: Record<string, number> & { total: number };
  agents: AgentStatus[];
  watcher: WatcherStatus;
}

export interface StatusFacts {
  board: string;
  policy: string;
  open: number | null;
  waves: WaveSummary[];
  tickets: Iterable<Ticket>;
  agents: Record<string, AgentConfig>;
  /** Unread count per agent with an inbox. */
  unread: ReadonlyMap<string, number>;
  /** Other activity seen per agent (recados sent, inbox reads). */
  activity: ReadonlyMap<string, Activity[]>;
  watcher: WatcherStatus;
  now: Date;
}

/** The later of two activities; on a tie (times are to the second) the one given second. */
const later = (a: Activity | null, b: Activity | null) => (!a ? b : !b ? a : Date.parse(b.at) >= Date.parse(a.at) ? b : a);

export function buildStatus(f: StatusFacts): BoardStatus {
  const counts: Record<string, number> & { total: number } = { total: 0 } as Record<string, number> & { total: number };
  for (const s of STATUSES) counts[s] = 0;
  const claims = new Map<string, ClaimStatus[]>();
  const edits = new Map<string, Activity>();
  const nowMs = f.now.getTime();
  for (const t of f.tickets) {
    counts.total++;
    counts[t.status] = (counts[t.status] ?? 0) + 1;
    if (t.claim && !RESOLVED.has(t.status)) {
      const left = Date.parse(t.claim.expires) - nowMs;
      const list = claims.get(t.claim.by) ?? [];
      list.push({
        id: t.id, title: t.title, status: t.status, since: t.claim.at, expires: t.claim.expires,
        left_ms: Number.isFinite(left) ? Math.max(0, left) : 0, expired: !(left > 0),
      });
      claims.set(t.claim.by, list);
    }
    if (t.updated_by && t.updated && Number.isFinite(Date.parse(t.updated))) {
      // times are to the second: the most specific reading first
      const verb = RESOLVED.has(t.status) ? (t.status === 'done' ? 'closed' : 'cancelled')
        : t.claim?.by === t.updated_by && t.claim.at === t.updated ? 'claimed'
        : t.created === t.updated ? 'created' : 'edited';
      const a: Activity = { at: t.updated, what: `${verb} ${t.id}` };
      edits.set(t.updated_by, later(edits.get(t.updated_by) ?? null, a)!);
    }
  }
  const names = new Set([...Object.keys(f.agents), ...claims.keys()]);
  const agents: AgentStatus[] = [...names].sort().map((name) => {
    let last: Activity | null = edits.get(name) ?? null;
    for (const a of f.activity.get(name) ?? []) last = later(last, a);
    const conf = f.agents[name];
    return {
      name,
      role: conf?.role ?? null,
      listed: Boolean(conf),
      worktree: conf?.worktree ?? null,
      claims: (claims.get(name) ?? []).sort((a, b) => a.id.localeCompare(b.id)),
      unread: f.unread.has(name) ? f.unread.get(name)! : null,
      last_activity: last,
    };
  });
  return { board: f.board, policy: f.policy, open: f.open, waves: f.waves, tickets: counts, agents, watcher: f.watcher };
}

/** "4s ago", "3m ago", "2h ago", "5d ago". */
export function ago(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86_400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}
