/**
 * A ticket knows its work: when it is closed, the board finds the commits it contributed and
 * records them in the ticket's `work:` field (core/integrate.ts).
 *
 * Where the work is: the branch `board/NAME` of the holder (the claim's holder at close, else
 * the one closing), or the range given with `close --commits A..B`. Which commits: those on
 * that branch that are neither in the integration branch, nor in the branch it starts from,
 * nor already recorded as the work of another closed ticket on the same branch. That is the
 * work done since the holder's previous ticket (or since their branch last took the
 * integrated code), so nothing done under the claim is missed; commits made on the branch
 * before the claim and never recorded are counted too (they would be merged anyway: a merge
 * takes a branch's whole history).
 */
import { usageError } from '../core/errors.js';
import { integrateSettings, workOf, type TicketWork } from '../core/integrate.js';
import type { BoardConfig } from '../core/config.js';
import type { Ticket } from '../core/ticket.js';
import type { Board } from '../store/board.js';
import { loadBoard } from '../store/tickets.js';
import { GitRepo } from './git.js';
import { agentBranch } from './worktree.js';

/** The commit a revision names, or null when there is none. */
export async function commitOf(repo: GitRepo, rev: string): Promise<string | null> {
  if (rev.startsWith('-') || /[\s\0]/.test(rev)) return null;
  const r = await repo.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], {
    okCodes: [1, 128],
  });
  return r.code === 0 ? r.stdout.toString('utf8').trim() : null;
}

/**
 * The main branch the integration branch starts from: `integrate.base`, else the remote's
 * default branch, else `main`, else `master`, else the branch checked out in the main worktree.
 */
export async function baseBranch(repo: GitRepo, config: BoardConfig): Promise<string | null> {
  const cfg = integrateSettings(config);
  const candidates: string[] = [];
  if (cfg.base) candidates.push(cfg.base);
  const remoteHead = await repo.run(['symbolic-ref', '--quiet', '--short', `refs/remotes/${config.git.remote}/HEAD`], {
    okCodes: [1, 128],
  });
  if (remoteHead.code === 0)
    candidates.push(remoteHead.stdout.toString('utf8').trim().replace(`${config.git.remote}/`, ''));
  candidates.push('main', 'master');
  const head = await repo.run(['symbolic-ref', '--quiet', '--short', 'HEAD'], { okCodes: [1, 128] });
  if (head.code === 0) candidates.push(head.stdout.toString('utf8').trim());
  for (const c of candidates) {
    if (!c || c === cfg.branch || c === config.git.branch || c.startsWith('board/')) continue;
    if (await repo.tip(`refs/heads/${c}`)) return c;
  }
  if (cfg.base) return null;
  return null;
}

export interface FindWorkOptions {
  /** Whose branch: the holder. */
  by: string;
  /** `A..B` or `B` given by the person (close --commits). */
  commits?: string;
  /** Other tickets (their recorded work is not counted again); default: the board's. */
  others?: Iterable<Ticket>;
  ticketId: string;
}

/** Find the work of a ticket being closed. Exit 2 for a --commits range that does not resolve. */
export async function findWork(
  board: Board,
  repo: GitRepo,
  config: BoardConfig,
  opts: FindWorkOptions,
): Promise<TicketWork> {
  const cfg = integrateSettings(config);
  const branch = agentBranch(opts.by);
  const branchTip = (await repo.tip(`refs/heads/${branch}`))?.commit ?? null;
  const exclude: string[] = [];
  const integration = (await repo.tip(`refs/heads/${cfg.branch}`))?.commit;
  if (integration) exclude.push(integration);
  const base = await baseBranch(repo, config);
  const baseTip = base ? (await repo.tip(`refs/heads/${base}`))?.commit : undefined;
  if (baseTip) exclude.push(baseTip);

  if (opts.commits !== undefined) {
    const spec = opts.commits.trim();
    const m = /^(.*?)\.\.(.+)$/.exec(spec);
    const from = m ? m[1] : null;
    const to = m ? m[2] : spec;
    const head = await commitOf(repo, to);
    const start = from ? await commitOf(repo, from) : null;
    if (!head || (from && !start)) {
      throw usageError(
        `--commits ${JSON.stringify(spec)}: ${!head ? `no commit ${JSON.stringify(to)}` : `no commit ${JSON.stringify(from)}`} in this repository`,
        {
          hint: 'give a range A..B (the commits after A up to B) or one commit B (its commits not integrated yet)',
        },
      );
    }
    const { count, base: first } = await commitsOf(repo, head, start ? [start] : exclude);
    const onBranch = branchTip ? await repo.isAncestor(head, branchTip) : false;
    return {
      by: opts.by,
      branch: onBranch ? branch : null,
      base: start ?? (count ? first : head),
      head,
      commits: count,
    };
  }

  if (!branchTip) return { by: opts.by, branch: null, base: null, head: null, commits: 0 };
  // the work of the holder's earlier tickets on this branch is theirs, not this one's: whatever
  // their recorded heads reach is left out (one rev-list, however many tickets)
  const others = opts.others ?? loadBoard(board).tickets.values();
  for (const t of others) {
    if (t.id === opts.ticketId || t.status !== 'done') continue;
    const w = workOf(t);
    if (w?.head && w.branch === branch) exclude.push(w.head);
  }
  const { count, base: from } = await commitsOf(repo, branchTip, exclude);
  return { by: opts.by, branch, base: from, head: branchTip, commits: count };
}

/**
 * How many commits `head` has that `not` do not reach, and where they start (the first parent
 * of the oldest one; `head` itself when there are none). Recorded heads that no longer exist
 * (collected after a force-push) are skipped.
 */
async function commitsOf(repo: GitRepo, head: string, not: string[]): Promise<{ count: number; base: string | null }> {
  const present = not.length ? await existing(repo, [...new Set(not)]) : [];
  const out = await repo.text(['rev-list', '--parents', head, '--not', ...present, '--']);
  const lines = out.split('\n').filter(Boolean);
  if (!lines.length) return { count: 0, base: head };
  const oldest = lines[lines.length - 1].split(' ');
  return { count: lines.length, base: oldest[1] ?? null };
}

/** The ones of `oids` that name commits in the repository (one git process). */
async function existing(repo: GitRepo, oids: string[]): Promise<string[]> {
  const r = await repo.run(['cat-file', '--batch-check'], {
    input: oids.map((o) => `${o}^{commit}`).join('\n') + '\n',
  });
  const lines = r.stdout.toString('utf8').split('\n');
  return oids.filter((_, i) => lines[i] && !lines[i].endsWith(' missing'));
}

/** findWork for a board (null when the board is not inside a git repository). */
export async function findWorkFor(
  board: Board,
  config: BoardConfig,
  opts: FindWorkOptions,
): Promise<TicketWork | null> {
  const repo = await GitRepo.find(board.repo);
  if (!repo) {
    if (opts.commits !== undefined) throw usageError('--commits needs the board to be inside a git repository');
    return null;
  }
  return findWork(board, repo, config, opts);
}
