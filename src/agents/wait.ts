/**
 * `board wait`: block until a recado lands in an agent's inbox or a ticket becomes ready for
 * it. Directory watches on inbox/NAME/new/ and tickets/ (no polling); each event re-checks.
 */
import { watch, type FSWatcher } from 'node:fs';
import { nextCandidates } from '../core/claims.js';
import type { RecadoJson } from '../core/recado.js';
import type { TicketJson } from '../core/ticket.js';
import type { Board } from '../store/board.js';
import { listInbox } from '../store/mailbox.js';
import { loadBoard } from '../store/tickets.js';
import { ensureDir } from '../store/nolink.js';

export interface Arrived {
  recados: RecadoJson[];
  tickets: TicketJson[];
}

function readyFor(board: Board, agent: string): Map<string, TicketJson> {
  const loaded = loadBoard(board);
  const broken = new Set(loaded.broken.map((b) => b.id));
  const now = new Date();
  const c = nextCandidates(
    [...loaded.tickets.values()].filter((t) => !broken.has(t.id)),
    (id) => ({ derived: loaded.derived(id), openWave: loaded.graph.openWave, policy: loaded.graph.policy }),
    agent,
    now,
  );
  return new Map(c.map((t) => [t.id, loaded.json(t)]));
}

export async function waitFor(board: Board, agent: string, timeoutMs: number | null): Promise<Arrived | null> {
  const unread = () => listInbox(board, agent).entries.map((e) => e.recado);
  const first = unread();
  if (first.length) return { recados: first, tickets: [] };
  const before = new Set(readyFor(board, agent).keys());
  ensureDir(board.inboxNew(agent));
  return new Promise((resolve) => {
    const watchers: FSWatcher[] = [];
    let timer: NodeJS.Timeout | null = null;
    let pending: NodeJS.Timeout | null = null;
    const finish = (v: Arrived | null) => {
      for (const w of watchers) w.close();
      if (timer) clearTimeout(timer);
      if (pending) clearTimeout(pending);
      resolve(v);
    };
    const check = () => {
      pending = null;
      const r = unread();
      if (r.length) return finish({ recados: r, tickets: [] });
      const fresh = [...readyFor(board, agent).entries()].filter(([id]) => !before.has(id)).map(([, t]) => t);
      if (fresh.length) finish({ recados: [], tickets: fresh });
    };
    const soon = () => {
      if (!pending) pending = setTimeout(check, 30);
    };
    for (const dir of [board.inboxNew(agent), board.ticketsDir]) {
      try {
        const w = watch(dir, soon);
        w.on('error', () => undefined);
        watchers.push(w);
      } catch {
        /* a folder that cannot be watched: the other still is */
      }
    }
    if (timeoutMs !== null) timer = setTimeout(() => finish(null), timeoutMs);
    check(); // anything that arrived between the first look and the watches
  });
}
