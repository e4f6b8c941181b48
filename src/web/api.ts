/**
 * The JSON API of `board web`. Reads answer with the shapes of the CLI's `--json` output;
 * every action calls the operation the matching CLI command calls (src/ops: tickets.ts,
 * mail.ts), so a refusal is the same error, with the same words, exit code
 * and hint, as in the terminal. An error answers `{error: {kind, exit, message, hint, ...}}`
 * (the CLI's `--json` error) with HTTP 400 (usage, invalid), 404, 409 (conflict) or 500.
 */
import { notFound, usageError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { checkAgentName, checkTicketId } from '../core/names.js';
import type { Board } from '../store/board.js';
import { allRecados, threadOf } from '../store/mailbox.js';
import { boardStatus } from '../store/status.js';
import * as mail from '../ops/mail.js';
import * as ops from '../ops/tickets.js';
import { checkedAssignee, checkedIds, checkedPriority, checkedStatus, defaultTemplate } from '../cli/ticket-options.js';
import { allRefusals, type LiveBoard } from './live.js';
import { renderMarkdown } from './markdown.js';

type Body = Record<string, unknown>;

/** An answer that is JSON text already (sent as it is). */
export class RawJson {
  constructor(readonly text: string) {}
}

const str = (b: Body, k: string): string | undefined => {
  const v = b[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw usageError(`${k} must be a string`, { field: k });
  return v;
};

const strList = (b: Body, k: string): string[] | undefined => {
  const v = b[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string'))
    return (v as string[]).map((s) => s.trim()).filter(Boolean);
  throw usageError(`${k} must be a list of strings`, { field: k });
};

const num = (b: Body, k: string): number | undefined => {
  const v = b[k];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw usageError(`${k} must be a whole number, got ${JSON.stringify(v)}`, { field: k });
  return n;
};

export class Api {
  constructor(
    private readonly board: Board,
    private readonly live: LiveBoard,
    /** Who acts from the page: the person running `board web`. */
    readonly person: string,
  ) {}

  async get(url: URL): Promise<unknown> {
    const p = url.pathname;
    const limit = Math.max(1, Math.min(5000, Number(url.searchParams.get('limit')) || 500));
    if (p === '/api/tickets') return new RawJson(this.live.allTicketsText());
    if (p === '/api/status')
      return boardStatus(
        this.board,
        await import('../watch/daemon.js'),
        new Date(),
        (await import('../agents/live.js')).agentStates,
      );
    if (p === '/api/me')
      return { person: this.person, board: this.board.root, event: this.live.lastId, open: this.live.graph.openWave };
    if (p === '/api/recados') return this.recados(limit);
    if (p === '/api/inbox') return this.inbox(url.searchParams.get('all') === '1');
    if (p === '/api/refusals') return allRefusals(this.board).slice(0, limit);
    if (p === '/api/broken') return this.live.brokenFiles();
    let m = /^\/api\/tickets\/([^/]+)$/.exec(p);
    if (m) return this.detail(decodeURIComponent(m[1]));
    m = /^\/api\/agents\/([^/]+)\/screen$/.exec(p);
    if (m) {
      const { peekScreen } = await import('../agents/peek.js');
      return peekScreen(this.board, decodeURIComponent(m[1]), Number(url.searchParams.get('lines')) || 40);
    }
    m = /^\/api\/thread\/([^/]+)$/.exec(p);
    if (m) {
      const thread = threadOf(allRecados(this.board), decodeURIComponent(m[1]));
      return thread.map((t) => ({ ...t.recado, read: t.copies.every((c) => c.read), copies: t.copies }));
    }
    throw notFound(`no such API: GET ${p}`, { hint: 'see docs/web.md for the API' });
  }

  async post(url: URL, b: Body): Promise<unknown> {
    const p = url.pathname;
    const actor = this.person;
    if (p === '/api/tickets') return this.create(b);
    if (p === '/api/send') return this.send(b);
    if (p === '/api/nudge') {
      const agent = checkAgentName(str(b, 'agent'), 'agent');
      const text = str(b, 'text')?.trim() || `${actor} is waiting for you: please look at your inbox and the board`;
      const r = mail.send(this.board, { from: actor, to: [agent], subject: `nudge from ${actor}`, body: text });
      return { ...r.recado, delivered: r.delivered };
    }
    let m = /^\/api\/recados\/([^/]+)\/read$/.exec(p);
    if (m) return mail.read(this.board, actor, decodeURIComponent(m[1]));
    m = /^\/api\/tickets\/([^/]+)\/(claim|release|close|reopen|edit)$/.exec(p);
    if (!m) throw notFound(`no such API: POST ${p}`, { hint: 'see docs/web.md for the API' });
    const id = checkTicketId(decodeURIComponent(m[1]));
    const force = b.force === true;
    let after;
    switch (m[2]) {
      case 'claim': {
        const lease = str(b, 'lease');
        after = (await ops.claim(this.board, id, { actor, leaseMs: lease ? parseDuration(lease, 'lease') : undefined }))
          .after;
        break;
      }
      case 'release':
        after = (await ops.release(this.board, id, { actor, force })).after;
        break;
      case 'close':
        after = (await ops.close(this.board, id, { actor, cancel: b.cancel === true, force })).after;
        break;
      case 'reopen':
        after = (await ops.reopen(this.board, id, { actor })).after;
        break;
      default: {
        const deps = checkedIds(strList(b, 'deps'), 'dependency');
        after = (
          await ops.edit(
            this.board,
            id,
            {
              title: str(b, 'title'),
              status: checkedStatus(str(b, 'status')),
              assignee: checkedAssignee(str(b, 'assignee')),
              priority: checkedPriority(num(b, 'priority')),
              labels: strList(b, 'labels'),
              deps,
              body: str(b, 'body'),
            },
            { actor, force },
          )
        ).after;
      }
    }
    return ops.ticketJson(this.board, after);
  }

  private detail(id: string): Promise<unknown> | unknown {
    checkTicketId(id);
    const t = this.live.ticket(id);
    if (!t) throw notFound(`no ticket ${id}`, { hint: 'see `board list` for the tickets on this board' });
    const rel = `tickets/${id}.md`;
    return this.history(id).then((log) => ({
      ticket: this.live.ticketJson(t),
      html: renderMarkdown(t.body),
      dependents: this.live.dependents(id),
      refusals: allRefusals(this.board).filter((r) => r.id === id || (r.file ?? '').endsWith(rel)),
      log,
    }));
  }

  /** The ticket's history as `board log ID --json`; [] without git or audit branch. */
  private async history(id: string): Promise<unknown[]> {
    try {
      const [{ GitRepo }, { ticketLog }] = await Promise.all([import('../git/git.js'), import('../git/history.js')]);
      const repo = await GitRepo.find(this.board.repo);
      const prefix = repo?.relPath(this.board.root);
      if (!repo || !prefix) return [];
      const ref = `refs/heads/${this.live.config.git.branch}`;
      if (!(await repo.tip(ref))) return [];
      return await ticketLog(repo, prefix, ref, id, 30);
    } catch {
      return [];
    }
  }

  private recados(limit: number): unknown[] {
    const all = [...allRecados(this.board).values()];
    all.sort((a, b) => a.recado.sent.localeCompare(b.recado.sent) || a.recado.id.localeCompare(b.recado.id));
    return all.slice(-limit).map((r) => ({ ...r.recado, read: r.copies.every((c) => c.read), copies: r.copies }));
  }

  private inbox(all: boolean): unknown[] {
    try {
      return mail.inbox(this.board, this.person, { all }).recados;
    } catch (e) {
      if ((e as { kind?: string }).kind === 'not_found') return []; // the person has no inbox
      throw e;
    }
  }

  private async create(b: Body): Promise<unknown> {
    const title = str(b, 'title')?.trim();
    if (!title) throw usageError('a ticket needs a title', { field: 'title' });
    const deps = checkedIds(strList(b, 'deps'), 'dependency');
    const body = str(b, 'body');
    const ticket = await ops.create(
      this.board,
      {
        title,
        assignee: checkedAssignee(str(b, 'assignee')),
        deps,
        labels: strList(b, 'labels'),
        priority: checkedPriority(num(b, 'priority')),
        body: body || undefined,
        template: body ? undefined : defaultTemplate(this.board),
      },
      { actor: this.person },
    );
    return ops.ticketJson(this.board, ticket);
  }

  private send(b: Body): unknown {
    const to = strList(b, 'to') ?? [];
    const text = str(b, 'text') ?? '';
    const subject = str(b, 'subject')?.trim() || undefined;
    const r = mail.send(this.board, {
      from: this.person,
      to,
      subject,
      body: text,
      ticket: str(b, 'ticket') || undefined,
      reply_to: str(b, 'reply_to') || undefined,
    });
    return { ...r.recado, delivered: r.delivered };
  }
}
