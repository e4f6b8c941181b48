/**
 * `board status`: the state of the whole board in one object. Pure: the caller gathers the
 * facts from the disk (store/status.ts) and the watcher; this puts them together.
 */
import type { AgentStateName } from './agents.js';
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
  /** The live state of its conversation (board up, hooks), or null when it never ran. */
  state: AgentStateView | null;
}

export interface AgentStateView {
  state: AgentStateName;
  since: string;
  /** The last tool, while working. */
  tool: string | null;
  /** What it waits for, while waiting (permission_prompt, ...), or why it is dead. */
  detail: string | null;
  /** Its tmux pane, when started by board up. */
  target: string | null;
  /** Its state comes from its hooks (else from its process and pane). */
  hooks: boolean;
}

/** A refused ticket edit or a bounced recado, kept in rejected/ with its reason. */
export interface RejectedItem {
  /** The kept file, relative to the repository. */
  file: string;
  kind: 'refused edit' | 'bounce';
  reason: string;
  from: string | null;
  at: string;
}

/** What needs the person, first in `board status`. */
export interface NeedsYou {
  /** Agents waiting for the person (a permission prompt, a question), and dead ones. */
  agents: Array<{ name: string; state: AgentStateName; since: string; detail: string | null }>;
  /** Tickets in review. */
  review: Array<{ id: string; title: string; assignee: string | null }>;
  /** Refused edits and bounced recados of the last hour. */
  rejected: RejectedItem[];
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
  needs_you: NeedsYou;
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
  /** Live states of agents' conversations. */
  states?: ReadonlyMap<string, AgentStateView>;
  /** Refused edits and bounces (all of them; the last hour is picked here). */
  rejected?: readonly RejectedItem[];
}

/** Refused edits and bounces younger than this are listed under "needs you". */
export const NEEDS_YOU_REJECTED_MS = 60 * 60_000;

/** The later of two activities; on a tie (times are to the second) the one given second. */
const later = (a: Activity | null, b: Activity | null) =>
  !a ? b : !b ? a : Date.parse(b.at) >= Date.parse(a.at) ? b : a;

export function buildStatus(f: StatusFacts): BoardStatus {
  const counts: Record<string, number> & { total: number } = { total: 0 } as Record<string, number> & { total: number };
  for (const s of STATUSES) counts[s] = 0;
  const claims = new Map<string, ClaimStatus[]>();
  const edits = new Map<string, Activity>();
  const nowMs = f.now.getTime();
  const review: NeedsYou['review'] = [];
  for (const t of f.tickets) {
    if (t.status === 'review') review.push({ id: t.id, title: t.title, assignee: t.assignee ?? null });
    counts.total++;
    counts[t.status] = (counts[t.status] ?? 0) + 1;
    if (t.claim && !RESOLVED.has(t.status)) {
      const left = Date.parse(t.claim.expires) - nowMs;
      const list = claims.get(t.claim.by) ?? [];
      list.push({
        id: t.id,
        title: t.title,
        status: t.status,
        since: t.claim.at,
        expires: t.claim.expires,
        left_ms: Number.isFinite(left) ? Math.max(0, left) : 0,
        expired: !(left > 0),
      });
      claims.set(t.claim.by, list);
    }
    if (t.updated_by && t.updated && Number.isFinite(Date.parse(t.updated))) {
      // times are to the second: the most specific reading first
      const verb = RESOLVED.has(t.status)
        ? t.status === 'done'
          ? 'closed'
          : 'cancelled'
        : t.claim?.by === t.updated_by && t.claim.at === t.updated
          ? 'claimed'
          : t.created === t.updated
            ? 'created'
            : 'edited';
      const a: Activity = { at: t.updated, what: `${verb} ${t.id}` };
      edits.set(t.updated_by, later(edits.get(t.updated_by) ?? null, a)!);
    }
  }
  const names = new Set([...Object.keys(f.agents), ...claims.keys(), ...(f.states?.keys() ?? [])]);
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
      state: f.states?.get(name) ?? null,
    };
  });
  const needs_you: NeedsYou = {
    agents: agents
      .filter((a) => a.state && (a.state.state === 'waiting' || a.state.state === 'dead'))
      .map((a) => ({ name: a.name, state: a.state!.state, since: a.state!.since, detail: a.state!.detail })),
    review: review.sort((a, b) => a.id.localeCompare(b.id)),
    rejected: (f.rejected ?? [])
      .filter((r) => nowMs - Date.parse(r.at) < NEEDS_YOU_REJECTED_MS)
      .sort((a, b) => b.at.localeCompare(a.at)),
  };
  return {
    board: f.board,
    policy: f.policy,
    open: f.open,
    waves: f.waves,
    tickets: counts,
    agents,
    watcher: f.watcher,
    needs_you,
  };
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
