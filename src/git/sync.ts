/**
 * `board sync`: carrying the audit branch between clones through a git remote.
 *
 *   1. commit what `.board/` has that the audit branch does not (commitAll);
 *   2. fetch the remote's audit branch into refs/remotes/<remote>/<branch>;
 *   3. fast-forward, or merge the two branches in a private index (never the user's);
 *   4. push the result (a rejected push means someone pushed first: fetch and merge again);
 *   5. move the local audit branch (compare-and-swap) and write the changed files into
 *      `.board/` (atomically; nothing outside `.board/` is written);
 *   6. tell agents whose claim lost (a recado from `board`), commit that, push it.
 *
 * Merge rules (see core/merge.ts): a file changed on one side only takes that side;
 * recados and new tickets are separate files, so both sides' are kept; a ticket changed on
 * both sides is merged field by field (claims: earliest wins; other fields: the later
 * `updated`; the body: git's line merge, keeping both sides' lines where they overlap);
 * any other file changed on both sides is merged line by line, or else the version changed
 * last wins and the other one is kept in `rejected/`.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { auditPath, authorIdentity, classifyPath } from '../core/audit.js';
import { DEFAULT_CONFIG, type BoardConfig } from '../core/config.js';
import { stableJson } from '../core/describe.js';
import { conflict, notFound } from '../core/errors.js';
import { asClaim, claimSpans, mergeTicketData, newerSide, type ClaimConflict, type VersionInfo } from '../core/merge.js';
import { uniqueName, writeAtomic } from '../store/atomic.js';
import type { Board } from '../store/board.js';
import { loadConfig } from '../store/config.js';
import { parseFrontmatter, serialize, setField } from '../store/frontmatter.js';
import { dropReceipt, leaveReceipt } from '../store/receipts.js';
import { BOARD_FOLDERS } from '../store/init.js';
import { withLock } from '../store/lock.js';
import { sendFromBoard } from '../store/mailbox.js';
import { AuditLog, checkNotCheckedOut, moveRef } from './audit.js';
import { excludeBoardFromGit } from './exclude.js';
import { GIT_NETWORK_TIMEOUT_MS, gitFailure, GitRepo, type TreeEntry } from './git.js';
import { TempIndex } from './index-file.js';
import { checkNoLink, ensureDir } from '../store/nolink.js';

/** The lock a sync holds while it runs (a watcher can test it to recognise sync's writes). */
export const SYNC_LOCK_KEY = 'git-sync';

export interface SyncOptions {
  /** Remote name (default: board.yaml git.remote, else origin). */
  remote?: string;
  /** Progress lines. */
  progress?: (line: string) => void;
}

export interface ReconciledClaim {
  ticket: string;
  winner: { by: string; at: string };
  losers: { by: string; at: string }[];
}

export interface SyncResult {
  remote: string;
  branch: string;
  /** up-to-date | pushed | fast-forward | merged | nothing (no board on either side). */
  action: 'up-to-date' | 'pushed' | 'fast-forward' | 'merged' | 'nothing';
  /** Local audit branch before and after, and the remote's as fetched. */
  local: string | null;
  remoteTip: string | null;
  result: string | null;
  pushed: boolean;
  /** Commits made of local changes before syncing. */
  committed: number;
  /** Board files written or deleted in `.board/` (relative to it). */
  written: string[];
  deleted: string[];
  /** Files changed in `.board/` while the sync ran: kept (tickets merged) and committed next. */
  kept: string[];
  /** Tickets claimed on both sides: who kept the claim, whose claim was undone. */
  reconciled: ReconciledClaim[];
  /** Tickets edited on both sides whose fields were decided by the later `updated`. */
  contested: { ticket: string; fields: string[] }[];
  /** Other files changed on both sides: the version kept aside in rejected/. */
  setAside: { path: string; keptAs: string }[];
  /** Agents told that their claim was undone, and those who could not be told (no inbox). */
  notified: string[];
  unreachable: string[];
  /** A follow-up commit (the notices) that could not be pushed yet; the next sync pushes it. */
  unpushed: boolean;
}

interface MergeOutcome {
  commit: string;
  reconciled: ReconciledClaim[];
  contested: { ticket: string; fields: string[] }[];
  setAside: { path: string; keptAs: string }[];
}

class Syncer {
  private readonly ref: string;
  private readonly track: string;

  constructor(
    readonly board: Board,
    readonly repo: GitRepo,
    readonly prefix: string,
    readonly config: BoardConfig,
    readonly remote: string,
    readonly hasBoard: boolean,
    private readonly progress: (line: string) => void,
  ) {
    this.ref = `refs/heads/${config.git.branch}`;
    this.track = `refs/remotes/${remote}/${config.git.branch}`;
  }

  private rel(tp: string): string {
    return tp.slice(this.prefix.length + 1);
  }

  async run(): Promise<SyncResult> {
    const branch = this.config.git.branch;
    const result: SyncResult = {
      remote: this.remote, branch, action: 'up-to-date', local: null, remoteTip: null, result: null, pushed: false, committed: 0,
      written: [], deleted: [], kept: [], reconciled: [], contested: [], setAside: [], notified: [], unreachable: [], unpushed: false,
    };
    checkNotCheckedOut(this.repo, branch);
    let audit: AuditLog | null = null;
    if (this.hasBoard) {
      audit = await AuditLog.open(this.board, { explicit: true, onEvent: () => undefined });
      const c = await audit!.commitAll();
      if (!c.ok) throw c.failure!;
      result.committed = c.commits.length;
      if (c.commits.length) this.progress(`committed local board changes (${c.commits.length} commit${c.commits.length === 1 ? '' : 's'})`);
    }

    const pending: ReconciledClaim[] = [];
    let first = true;
    for (let attempt = 0; attempt < 6; attempt++) {
      const R = await this.fetch();
      const L = (await this.repo.tip(this.ref))?.commit ?? null;
      if (first) {
        result.local = L;
        result.remoteTip = R;
        first = false;
      }
      let M: string | null;
      let push = false;
      let merged: MergeOutcome | null = null;
      if (!L && !R) {
        result.action = 'nothing';
        return result;
      } else if (!R) {
        M = L;
        push = true;
        result.action = 'pushed';
      } else if (!L) {
        M = R;
        result.action = 'fast-forward';
      } else if (L === R) {
        M = L;
      } else if (await this.repo.isAncestor(R, L)) {
        M = L;
        push = true;
        result.action = 'pushed';
      } else if (await this.repo.isAncestor(L, R)) {
        M = R;
        result.action = 'fast-forward';
      } else {
        this.progress(`merging ${branch} with ${this.remote}/${branch}`);
        merged = await this.merge(L, R);
        M = merged.commit;
        push = true;
        result.action = 'merged';
      }
      if (push) {
        if (!(await this.push(M!))) {
          this.progress(`${this.remote} moved while we merged; fetching again`);
          continue;
        }
        result.pushed = true;
        if (merged) {
          pending.push(...merged.reconciled);
          result.reconciled.push(...merged.reconciled);
          result.contested.push(...merged.contested);
          result.setAside.push(...merged.setAside);
        }
      }
      if (M !== L && !(await moveRef(this.repo, this.ref, M!, L, `recado: sync with ${this.remote}`))) {
        this.progress(`the local ${branch} moved while syncing (a board commit); merging again`);
        continue;
      }
      // a clone without a board (fresh, or its .board/ was removed) gets every file written out
      if (M !== L || !this.hasBoard) await this.writeOut(L && this.hasBoard ? `${L}^{tree}` : null, `${M}^{tree}`, result);
      result.result = M;
      break;
    }
    if (result.result === null) {
      throw conflict(`${this.remote}/${branch} kept moving; the board could not sync`, { hint: 'another clone is syncing at the same time: run `board sync` again in a moment' });
    }

    ensureFolders(this.board);
    await excludeBoardFromGit(this.board).catch(() => undefined);

    // tell the agents whose claims were undone, then commit and push that news
    for (const rc of pending) {
      for (const loser of uniqueBy(rc.losers, (l) => l.by)) {
        const sent = sendFromBoard(this.board, {
          to: [loser.by],
          ticket: rc.ticket,
          subject: `${rc.ticket}: your claim was undone by board sync (${rc.winner.by} claimed it first)`,
          body: [
            `While two clones of this board were apart, you claimed ${rc.ticket} at ${loser.at} and ${rc.winner.by} claimed it at ${rc.winner.at}.`,
            `The earlier claim wins, so ${rc.ticket} stays with ${rc.winner.by}. Your claim, and what you changed in its status and assignee,`,
            'were undone; your other edits to the ticket (notes, body, labels) were kept.',
            '',
            `Talk to ${rc.winner.by} (\`board send ${rc.winner.by} ...\`) or pick another ticket (\`board next\`).`,
          ].join('\n'),
        });
        result.notified.push(...sent.delivered);
        result.unreachable.push(...sent.skipped);
      }
    }
    if (pending.length || result.kept.length) {
      audit ??= await AuditLog.open(this.board, { explicit: true, onEvent: () => undefined });
      const c = await audit!.commitAll();
      if (!c.ok) throw c.failure!;
      const tip = (await this.repo.tip(this.ref))?.commit ?? null;
      if (c.commits.length && tip) {
        result.unpushed = !(await this.push(tip).catch(() => false));
        if (!result.unpushed) result.result = tip;
      }
    }
    return result;
  }

  /** Fetch the remote's audit branch; its tip, or null when the remote has none. */
  private async fetch(): Promise<string | null> {
    const branch = this.config.git.branch;
    const r = await this.repo.run(
      ['fetch', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules', this.remote, `+refs/heads/${branch}:${this.track}`],
      { timeoutMs: GIT_NETWORK_TIMEOUT_MS, okCodes: [1, 128] },
    );
    if (r.code !== 0) {
      if (/couldn't find remote ref/i.test(r.stderr)) {
        await this.repo.run(['update-ref', '-d', this.track]).catch(() => undefined);
        return null;
      }
      const e = gitFailure(`git fetch ${this.remote}`, r.code, r.stderr);
      e.details.hint = `check that the remote "${this.remote}" is reachable (git fetch ${this.remote})`;
      throw e;
    }
    return (await this.repo.tip(this.track))?.commit ?? null;
  }

  /** Push `commit` as the remote's audit branch. False when the remote moved (not a fast-forward). */
  private async push(commit: string): Promise<boolean> {
    const args = ['push', '--porcelain'];
    if (!this.config.git.verify) args.push('--no-verify');
    args.push(this.remote, `${commit}:refs/heads/${this.config.git.branch}`);
    const r = await this.repo.run(args, { timeoutMs: GIT_NETWORK_TIMEOUT_MS, okCodes: [1, 128] });
    if (r.code === 0) return true;
    const out = r.stdout.toString('utf8');
    const line = out.split('\n').find((l) => l.startsWith('!'));
    if (line && /\[rejected\]/.test(line) && /(fetch first|non-fast-forward)/.test(line)) return false;
    const e = gitFailure(`git push ${this.remote}`, r.code, `${r.stderr}\n${line ?? ''}`);
    e.details.hint = /hook/i.test(r.stderr)
      ? 'a pre-push hook refused the push: fix it, or set git.verify: false in .board/board.yaml to skip hooks for board pushes'
      : `check that you can push to "${this.remote}" (git push ${this.remote})`;
    throw e;
  }

  /* ----------------------------------------------------------------- merge ---- */

  private async merge(L: string, R: string): Promise<MergeOutcome> {
    const mb = await this.repo.run(['merge-base', L, R], { okCodes: [1] });
    const base = mb.code === 0 ? mb.stdout.toString('utf8').trim() : null;
    const [tb, tl, tr] = await Promise.all([
      this.repo.listTree(base, this.prefix),
      this.repo.listTree(L, this.prefix),
      this.repo.listTree(R, this.prefix),
    ]);
    const same = (x?: TreeEntry, y?: TreeEntry) => x?.oid === y?.oid && x?.mode === y?.mode;
    const set = new Map<string, TreeEntry>();
    const remove: string[] = [];
    const both: string[] = [];
    for (const p of new Set([...tb.keys(), ...tl.keys(), ...tr.keys()])) {
      const b = tb.get(p);
      const l = tl.get(p);
      const r = tr.get(p);
      if (same(l, r) || same(r, b)) continue; // ours already has it
      if (same(l, b)) {
        // only theirs changed
        if (r) set.set(p, r);
        else remove.push(p);
        continue;
      }
      // both changed: an edit wins over a deletion
      if (!l) set.set(p, r!);
      else if (r) both.push(p);
    }

    const out: MergeOutcome = { commit: '', reconciled: [], contested: [], setAside: [] };
    const notes: string[] = [];
    if (both.length) {
      const blobs = await this.repo.catFiles(both.flatMap((p) => [tb.get(p)?.oid, tl.get(p)!.oid, tr.get(p)!.oid]).filter((x): x is string => !!x));
      const text = (e?: TreeEntry) => (e ? blobs.get(e.oid)?.toString('utf8') ?? null : null);
      for (const p of both) {
        const rel = this.rel(p);
        const info = classifyPath(rel);
        const b = tb.get(p);
        const l = tl.get(p)!;
        const r = tr.get(p)!;
        if (info.kind === 'ticket') {
          const m = await this.mergeTicket(p, info.ticket!, { base, L, R }, { b: text(b), l: text(l)!, r: text(r)!, lOid: l.oid, rOid: r.oid });
          if (m) {
            set.set(p, { mode: l.mode, oid: await this.repo.hashContent(m.text) });
            if (m.conflict) {
              const rc: ReconciledClaim = {
                ticket: info.ticket!,
                winner: { by: m.conflict.winner.by, at: m.conflict.winner.at },
                losers: m.conflict.losers.map((s) => ({ by: s.by, at: s.at })),
              };
              out.reconciled.push(rc);
              notes.push(`- ${info.ticket}: claimed on both sides; ${rc.winner.by} claimed first (${rc.winner.at}); undone: ${rc.losers.map((x) => `${x.by} (${x.at})`).join(', ')}`);
            }
            if (m.contested.length) {
              out.contested.push({ ticket: info.ticket!, fields: m.contested });
              notes.push(`- ${info.ticket}: ${m.contested.join(', ')} changed on both sides; the later update kept`);
            } else if (!m.conflict) {
              notes.push(`- ${info.ticket}: edits from both sides merged`);
            }
            continue;
          }
        }
        // any other file: a clean line merge, else the version changed last
        const lm = await lineMerge(this.repo, this.board, text(l)!, text(b) ?? '', text(r)!, false);
        if (lm.clean) {
          set.set(p, { mode: l.mode, oid: await this.repo.hashContent(lm.text) });
          notes.push(`- ${rel}: edits from both sides merged`);
          continue;
        }
        const [lt, rt] = await Promise.all([this.lastChange(L, p), this.lastChange(R, p)]);
        const win = newerSide({ time: lt, oid: l.oid }, { time: rt, oid: r.oid }) === 'a' ? l : r;
        const lose = win === l ? r : l;
        const name = rel.split('/').pop()!;
        const aside = `${this.prefix}/rejected/sync-${lose.oid.slice(0, 10)}-${name}`;
        set.set(p, win);
        set.set(aside, { mode: '100644', oid: lose.oid });
        out.setAside.push({ path: rel, keptAs: this.rel(aside) });
        notes.push(`- ${rel}: changed on both sides; kept the version changed last, the other is ${this.rel(aside)}`);
      }
    }

    const idx = new TempIndex(this.repo, this.board);
    try {
      await idx.readTree(`${L}^{tree}`);
      await idx.update(set, remove);
      const tree = await idx.writeTree();
      const who = authorIdentity('board', this.config);
      const subject = `board: sync with ${this.remote}/${this.config.git.branch}`;
      const message = notes.length ? `${subject}\n\n${notes.join('\n')}\n` : `${subject}\n`;
      out.commit = await this.repo.text(['commit-tree', tree, '-p', L, '-p', R, '--no-gpg-sign', '-F', '-'], {
        input: message,
        env: { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email },
      });
    } finally {
      idx.dispose();
    }
    return out;
  }

  private async lastChange(tip: string, path: string): Promise<number> {
    const t = await this.repo.text(['log', '-1', '--format=%ct', tip, '--', path]);
    return Number(t) || 0;
  }

  /** The versions of a ticket on one side since the base, oldest first. */
  private async versions(base: string | null, tip: string, path: string, id: string): Promise<VersionInfo[]> {
    const range = base ? `${base}..${tip}` : tip;
    const commits = (await this.repo.text(['log', '--format=%H', '--reverse', range, '--', path])).split('\n').filter(Boolean);
    const blobs = await this.repo.catFiles(commits.map((c) => `${c}:${path}`));
    const out: VersionInfo[] = [];
    for (const c of commits) {
      const data = frontmatterData(blobs.get(`${c}:${path}`)?.toString('utf8') ?? null, id);
      if (data) out.push({ claim: asClaim(data.claim), updated: typeof data.updated === 'string' ? data.updated : null });
    }
    return out;
  }

  /** Merge a ticket changed on both sides; null when one side does not parse. */
  async mergeTicket(
    path: string,
    id: string,
    commits: { base: string | null; L: string; R: string } | null,
    t: { b: string | null; l: string; r: string; lOid: string; rOid: string },
  ): Promise<{ text: string; conflict: ClaimConflict | null; contested: string[] } | null> {
    const display = `tickets/${id}.md`;
    let pl, pr;
    try {
      pl = parseFrontmatter(t.l, display);
      pr = parseFrontmatter(t.r, display);
    } catch {
      return null;
    }
    let pb: ReturnType<typeof parseFrontmatter> | null = null;
    try {
      pb = t.b !== null ? parseFrontmatter(t.b, display) : null;
    } catch {
      pb = null;
    }
    const baseClaim = asClaim(pb?.data.claim);
    const tipOnly = (d: Record<string, unknown>): VersionInfo[] => [{ claim: asClaim(d.claim), updated: typeof d.updated === 'string' ? d.updated : null }];
    const va = commits ? await this.versions(commits.base, commits.L, path, id) : tipOnly(pl.data);
    const vb = commits ? await this.versions(commits.base, commits.R, path, id) : tipOnly(pr.data);
    const m = mergeTicketData(
      pb?.data ?? null,
      { data: pl.data, spans: claimSpans(baseClaim, va), tieKey: t.lOid },
      { data: pr.data, spans: claimSpans(baseClaim, vb), tieKey: t.rOid },
    );
    const primary = m.primary === 'a' ? pl : pr;
    const other = m.primary === 'a' ? pr : pl;
    const doc = primary.doc;
    for (const k of new Set([...Object.keys(primary.data), ...Object.keys(m.data)])) {
      if (stableJson(primary.data[k]) !== stableJson(m.data[k])) setField(doc, k, m.data[k]);
    }
    const body = await lineMerge(this.repo, this.board, primary.body, pb?.body ?? '', other.body, true);
    return { text: serialize(doc, body.text), conflict: m.conflict, contested: m.contested };
  }

  /* ------------------------------------------------------------- write-out ---- */

  /**
   * Bring `.board/` from tree `from` to tree `to`. A file is replaced only when it still
   * holds the version of `from` (or is already right); a file changed meanwhile is kept
   * (a ticket is merged with the incoming version) and committed on top next.
   */
  private async writeOut(from: string | null, to: string, result: SyncResult): Promise<void> {
    const [tf, tt] = await Promise.all([this.repo.listTree(from, this.prefix), this.repo.listTree(to, this.prefix)]);
    const changed: string[] = [];
    for (const p of new Set([...tf.keys(), ...tt.keys()])) {
      const a = tf.get(p);
      const b = tt.get(p);
      if (a?.oid === b?.oid && a?.mode === b?.mode) continue;
      const rel = this.rel(p);
      if (!p.startsWith(this.prefix + '/') || auditPath(rel) !== rel) {
        this.progress(`skipped ${p}: not a board path`);
        continue;
      }
      if (b && b.mode !== '100644' && b.mode !== '100755') {
        this.progress(`skipped ${rel}: not a regular file in git (mode ${b.mode})`);
        continue;
      }
      changed.push(p);
    }
    if (!changed.length) return;

    // what is on disk now
    const present: string[] = [];
    for (const p of changed) {
      try {
        if (lstatSync(join(this.board.root, this.rel(p))).isFile()) present.push(p);
      } catch { /* absent */ }
    }
    const diskOids = new Map<string, string>();
    const ids = await this.repo.hashFiles(present, false);
    present.forEach((p, i) => diskOids.set(p, ids[i]));
    const blobs = await this.repo.catFiles(changed.map((p) => tt.get(p)?.oid).filter((x): x is string => !!x));

    for (const p of changed) {
      const rel = this.rel(p);
      const want = tt.get(p);
      const was = tf.get(p);
      const disk = diskOids.get(p);
      if (disk === want?.oid) continue;
      let content: Buffer | null = want ? blobs.get(want.oid) ?? null : null;
      if (disk !== was?.oid) {
        // changed locally while we synced
        const info = classifyPath(rel);
        if (info.kind === 'ticket' && disk && want && content) {
          const local = readFileText(join(this.board.root, rel));
          const base = was ? (await this.repo.catFiles([was.oid])).get(was.oid)?.toString('utf8') ?? null : null;
          const m = local !== null ? await this.mergeTicket(p, info.ticket!, null, { b: base, l: local, r: content.toString('utf8'), lOid: disk, rOid: want.oid }) : null;
          result.kept.push(rel);
          if (!m) continue;
          content = Buffer.from(m.text, 'utf8');
        } else {
          result.kept.push(rel);
          continue;
        }
      }
      await this.writeFile(rel, content, want?.mode === '100755');
      if (content) result.written.push(rel);
      else result.deleted.push(rel);
    }
  }

  private async writeFile(rel: string, content: Buffer | null, executable: boolean): Promise<void> {
    const abs = join(this.board.root, rel);
    checkNoLink(abs); // never through a link inside the board (store/nolink.ts), exit 2
    const info = classifyPath(rel);
    const apply = () => {
      if (content === null) {
        try {
          if (lstatSync(abs).isFile()) unlinkSync(abs);
        } catch { /* already gone */ }
        return;
      }
      ensureDir(dirname(abs));
      // a ticket written by the board: its receipt first, so a watcher does not take it for a hand edit
      const receipt = info.kind === 'ticket' && info.ticket ? leaveReceipt(this.board, info.ticket, content.toString('utf8'), readFileText(abs)) : null;
      try {
        writeAtomic(this.board.tmpDir, abs, content, { mode: executable ? 0o755 : 0o644 });
      } catch (e) {
        dropReceipt(receipt);
        throw e;
      }
    };
    if (info.kind === 'ticket' && this.hasBoard) await withLock(this.board, `ticket-${info.ticket}`, apply);
    else apply();
  }
}

/* ------------------------------------------------------------------ helpers ---- */

function uniqueBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(key(x)) ? false : (seen.add(key(x)), true)));
}

function readFileText(abs: string): string | null {
  try {
    return readFileSync(abs, 'utf8');
  } catch {
    return null;
  }
}

function frontmatterData(text: string | null, id: string): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    return parseFrontmatter(text, `tickets/${id}.md`).data;
  } catch {
    return null;
  }
}

/** git's three-way line merge of texts; `union` keeps both sides' lines where they overlap. */
async function lineMerge(repo: GitRepo, board: Board, ours: string, base: string, theirs: string, union: boolean): Promise<{ text: string; clean: boolean }> {
  if (ours === theirs) return { text: ours, clean: true };
  if (ours === base) return { text: theirs, clean: true };
  if (theirs === base) return { text: ours, clean: true };
  mkdirSync(board.tmpDir, { recursive: true });
  const stem = join(board.tmpDir, uniqueName('.merge'));
  const files = [`${stem}.ours`, `${stem}.base`, `${stem}.theirs`];
  try {
    writeFileSync(files[0], ours);
    writeFileSync(files[1], base);
    writeFileSync(files[2], theirs);
    const args = ['merge-file', '-p', ...(union ? ['--union'] : []), ...files];
    const r = await repo.run(args, { okCodes: Array.from({ length: 127 }, (_, i) => i + 1) });
    return { text: r.stdout.toString('utf8'), clean: r.code === 0 };
  } finally {
    for (const f of files) rmSync(f, { force: true });
  }
}

/** The folders a board needs that git does not carry (it stores no empty folders). */
export function ensureFolders(board: Board): void {
  for (const f of BOARD_FOLDERS) ensureDir(join(board.root, f));
  let config: BoardConfig = DEFAULT_CONFIG;
  try {
    config = loadConfig(board);
  } catch { /* no or invalid board.yaml: doctor says so */ }
  for (const a of Object.keys(config.agents)) {
    for (const d of [board.inboxNew(a), board.inboxCur(a), board.outbox(a)]) ensureDir(d);
  }
}

/**
 * Sync the board at `board` (which may not exist yet: a fresh clone gets it from the remote).
 */
export async function syncBoard(board: Board, opts: SyncOptions = {}): Promise<SyncResult> {
  const repo = await GitRepo.find(existsSync(board.root) ? board.root : board.repo);
  const prefix = repo?.relPath(board.root);
  if (!repo || !prefix) {
    throw notFound(`${board.root} is not inside a git work tree: there is nothing to sync through`, { hint: 'clone the repository with git, then run `board sync` in it' });
  }
  const hasBoard = existsSync(board.configFile);
  const config = hasBoard ? loadConfig(board) : DEFAULT_CONFIG;
  const remote = opts.remote ?? config.git.remote;
  const known = await repo.run(['remote', 'get-url', remote], { okCodes: [1, 2, 128] });
  if (known.code !== 0) {
    throw notFound(`no git remote named "${remote}"`, { hint: `add one (git remote add ${remote} URL) or pass --remote NAME` });
  }
  const syncer = new Syncer(board, repo, prefix, config, remote, hasBoard, opts.progress ?? (() => undefined));
  if (!hasBoard) return syncer.run();
  return withLock(board, SYNC_LOCK_KEY, () => syncer.run());
}
