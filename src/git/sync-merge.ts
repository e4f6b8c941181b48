/**
 * Merging two audit branches that moved apart (`board sync`), in a private index.
 *
 * A file changed on one side only takes that side; recados and new tickets are separate
 * files, so both sides' are kept; a ticket changed on both sides is merged field by field
 * (claims: the earliest wins; other fields: the later `updated`; the body: git's line merge,
 * keeping both sides' lines where they overlap); any other file changed on both sides is
 * merged line by line, or else the version changed last wins and the other one is kept in
 * `rejected/`. See core/merge.ts for the field rules.
 *
 * When no file changed on both sides, the local commits are replayed on top of the remote's
 * (one new commit each, same author, date and message) instead of a merge commit: the audit
 * branch stays a straight line whenever there was nothing to merge.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { authorIdentity, classifyPath } from '../core/audit.js';
import type { BoardConfig } from '../core/config.js';
import { stableJson } from '../core/describe.js';
import {
  asClaim,
  claimSpans,
  mergeTicketData,
  newerSide,
  type ClaimConflict,
  type VersionInfo,
} from '../core/merge.js';
import { uniqueName } from '../store/atomic.js';
import type { Board } from '../store/board.js';
import { parseFrontmatter, serialize, setField } from '../store/frontmatter.js';
import type { GitRepo, TreeEntry } from './git.js';
import { buildTree, commitTree } from './plumbing.js';
import { ensureDir } from '../store/nolink.js';

/** What a sync works with. */
export interface SyncContext {
  board: Board;
  repo: GitRepo;
  /** The board folder relative to the repository top (".board"). */
  prefix: string;
  config: BoardConfig;
  remote: string;
}

export interface ReconciledClaim {
  ticket: string;
  winner: { by: string; at: string };
  losers: { by: string; at: string }[];
}

export interface MergeOutcome {
  commit: string;
  /** True when local commits were replayed on the remote's (no merge commit). */
  replayed: boolean;
  reconciled: ReconciledClaim[];
  contested: { ticket: string; fields: string[] }[];
  setAside: { path: string; keptAs: string }[];
}

const rel = (ctx: SyncContext, tp: string) => tp.slice(ctx.prefix.length + 1);
const same = (x?: TreeEntry, y?: TreeEntry) => x?.oid === y?.oid && x?.mode === y?.mode;

/** Merge local tip L with the remote's R: a commit whose parents are L and R, or L's commits replayed on R. */
export async function mergeBranches(ctx: SyncContext, L: string, R: string): Promise<MergeOutcome> {
  const { repo, prefix } = ctx;
  const mb = await repo.run(['merge-base', L, R], { okCodes: [1] });
  const base = mb.code === 0 ? mb.stdout.toString('utf8').trim() : null;
  const [tb, tl, tr] = await Promise.all([
    repo.listTree(base, prefix),
    repo.listTree(L, prefix),
    repo.listTree(R, prefix),
  ]);
  const set = new Map<string, TreeEntry>();
  const remove: string[] = [];
  const both: string[] = [];
  let overlap = false;
  for (const p of new Set([...tb.keys(), ...tl.keys(), ...tr.keys()])) {
    const b = tb.get(p);
    const l = tl.get(p);
    const r = tr.get(p);
    if (!same(l, b) && !same(r, b)) overlap = true; // changed on both sides (even alike)
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

  if (base && !overlap) {
    const replayed = await replay(ctx, base, L, R);
    if (replayed) return { commit: replayed, replayed: true, reconciled: [], contested: [], setAside: [] };
  }

  const out: MergeOutcome = { commit: '', replayed: false, reconciled: [], contested: [], setAside: [] };
  const notes: string[] = [];
  if (both.length) {
    const blobs = await repo.catFiles(
      both.flatMap((p) => [tb.get(p)?.oid, tl.get(p)!.oid, tr.get(p)!.oid]).filter((x): x is string => !!x),
    );
    const text = (e?: TreeEntry) => (e ? (blobs.get(e.oid)?.toString('utf8') ?? null) : null);
    for (const p of both) {
      const name = rel(ctx, p);
      const info = classifyPath(name);
      const b = tb.get(p);
      const l = tl.get(p)!;
      const r = tr.get(p)!;
      if (info.kind === 'ticket') {
        const m = await mergeTicket(
          ctx,
          p,
          info.ticket!,
          { base, L, R },
          { b: text(b), l: text(l)!, r: text(r)!, lOid: l.oid, rOid: r.oid },
        );
        if (m) {
          set.set(p, { mode: l.mode, oid: await repo.hashContent(m.text) });
          if (m.conflict) {
            const rc: ReconciledClaim = {
              ticket: info.ticket!,
              winner: { by: m.conflict.winner.by, at: m.conflict.winner.at },
              losers: m.conflict.losers.map((s) => ({ by: s.by, at: s.at })),
            };
            out.reconciled.push(rc);
            notes.push(
              `- ${info.ticket}: claimed on both sides; ${rc.winner.by} claimed first (${rc.winner.at}); undone: ${rc.losers.map((x) => `${x.by} (${x.at})`).join(', ')}`,
            );
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
      const lm = await lineMerge(repo, ctx.board, text(l)!, text(b) ?? '', text(r)!, false);
      if (lm.clean) {
        set.set(p, { mode: l.mode, oid: await repo.hashContent(lm.text) });
        notes.push(`- ${name}: edits from both sides merged`);
        continue;
      }
      const [lt, rt] = await Promise.all([lastChange(repo, L, p), lastChange(repo, R, p)]);
      const win = newerSide({ time: lt, oid: l.oid }, { time: rt, oid: r.oid }) === 'a' ? l : r;
      const lose = win === l ? r : l;
      const aside = `${prefix}/rejected/sync-${lose.oid.slice(0, 10)}-${name.split('/').pop()!}`;
      set.set(p, win);
      set.set(aside, { mode: '100644', oid: lose.oid });
      out.setAside.push({ path: name, keptAs: rel(ctx, aside) });
      notes.push(`- ${name}: changed on both sides; kept the version changed last, the other is ${rel(ctx, aside)}`);
    }
  }

  const tree = await buildTree(repo, ctx.board, `${L}^{tree}`, set, remove);
  const who = authorIdentity('board', ctx.config);
  const subject = `board: sync with ${ctx.remote}/${ctx.config.git.branch}`;
  out.commit = await commitTree(repo, {
    tree,
    parents: [L, R],
    message: notes.length ? `${subject}\n\n${notes.join('\n')}\n` : `${subject}\n`,
    author: who,
    committer: who,
  });
  return out;
}

/**
 * Replay the local commits base..L on top of R, each as a commit with the same author, date,
 * committer and message. Only when no file changed on both sides (the caller checked) and the
 * local history is a straight line; null otherwise (then a merge commit is made).
 */
async function replay(ctx: SyncContext, base: string, L: string, R: string): Promise<string | null> {
  const { repo, prefix } = ctx;
  const list = (await repo.text(['rev-list', '--reverse', '--parents', `${base}..${L}`])).split('\n').filter(Boolean);
  if (!list.length || list.length > 200) return null;
  const commits = list.map((line) => line.split(' '));
  if (commits.some((c) => c.length !== 2)) return null; // a merge among them: keep the history as it is
  let tip = R;
  for (const [c, parent] of commits) {
    const [before, after] = await Promise.all([repo.listTree(parent, prefix), repo.listTree(c, prefix)]);
    const set = new Map<string, TreeEntry>();
    const remove: string[] = [];
    for (const p of new Set([...before.keys(), ...after.keys()])) {
      const x = before.get(p);
      const y = after.get(p);
      if (same(x, y)) continue;
      if (y) set.set(p, y);
      else remove.push(p);
    }
    const meta = (await repo.text(['show', '-s', '--format=%an%x00%ae%x00%at%x00%cn%x00%ce%x00%B', c])).split('\0');
    const tree = await buildTree(repo, ctx.board, `${tip}^{tree}`, set, remove);
    tip = await commitTree(repo, {
      tree,
      parents: [tip],
      author: { name: meta[0], email: meta[1] },
      at: Number(meta[2]) * 1000,
      committer: { name: meta[3], email: meta[4] },
      message: meta.slice(5).join('\0'),
    });
  }
  return tip;
}

async function lastChange(repo: GitRepo, tip: string, path: string): Promise<number> {
  const t = await repo.text(['log', '-1', '--format=%ct', tip, '--', path]);
  return Number(t) || 0;
}

/** The versions of a ticket on one side since the base, oldest first. */
async function versions(
  repo: GitRepo,
  base: string | null,
  tip: string,
  path: string,
  id: string,
): Promise<VersionInfo[]> {
  const range = base ? `${base}..${tip}` : tip;
  const commits = (await repo.text(['log', '--format=%H', '--reverse', range, '--', path])).split('\n').filter(Boolean);
  const blobs = await repo.catFiles(commits.map((c) => `${c}:${path}`));
  const out: VersionInfo[] = [];
  for (const c of commits) {
    const data = frontmatterData(blobs.get(`${c}:${path}`)?.toString('utf8') ?? null, id);
    if (data) out.push({ claim: asClaim(data.claim), updated: typeof data.updated === 'string' ? data.updated : null });
  }
  return out;
}

/** Merge a ticket changed on both sides; null when one side does not parse. */
export async function mergeTicket(
  ctx: Pick<SyncContext, 'repo' | 'board'>,
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
  const tipOnly = (d: Record<string, unknown>): VersionInfo[] => [
    { claim: asClaim(d.claim), updated: typeof d.updated === 'string' ? d.updated : null },
  ];
  const va = commits ? await versions(ctx.repo, commits.base, commits.L, path, id) : tipOnly(pl.data);
  const vb = commits ? await versions(ctx.repo, commits.base, commits.R, path, id) : tipOnly(pr.data);
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
  const body = await lineMerge(ctx.repo, ctx.board, primary.body, pb?.body ?? '', other.body, true);
  return { text: serialize(doc, body.text), conflict: m.conflict, contested: m.contested };
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
async function lineMerge(
  repo: GitRepo,
  board: Board,
  ours: string,
  base: string,
  theirs: string,
  union: boolean,
): Promise<{ text: string; clean: boolean }> {
  if (ours === theirs) return { text: ours, clean: true };
  if (ours === base) return { text: theirs, clean: true };
  if (theirs === base) return { text: ours, clean: true };
  ensureDir(board.tmpDir);
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
