/**
 * The last version of every ticket the board recorded: the files of `.board/tickets/` on the
 * audit branch's tip. The enforcement judges against it, when the watcher starts, whatever was
 * edited while no watcher ran. Null when there is no audit trail to read (not a git work tree,
 * `git.autocommit: false`, no audit branch yet): then edits made while no watcher ran are
 * taken as they are.
 */
import { createHash } from 'node:crypto';
import { GitRepo } from '../git/git.js';
import type { WatchContext } from './plugin.js';

export async function knownVersions(ctx: WatchContext): Promise<Map<string, string> | null> {
  if (!ctx.config.git.autocommit) return null;
  const repo = await GitRepo.find(ctx.board.root).catch(() => null);
  const prefix = repo?.relPath(ctx.board.root);
  if (!repo || !prefix) return null;
  const tip = await repo.tip(`refs/heads/${ctx.config.git.branch}`);
  if (!tip) return null;
  const dir = `${prefix}/tickets/`;
  const tree = await repo.listTree(tip.tree, dir);
  const known = new Map<string, string>();
  const want: Array<{ id: string; oid: string }> = [];
  for (const [path, e] of tree) {
    const name = path.slice(dir.length);
    if (name.includes('/') || !name.endsWith('.md')) continue;
    const id = name.slice(0, -3);
    const disk = ctx.tickets.get(id);
    // the same blob as on disk: nothing to read
    if (disk && blobId(disk.raw, repo.objectFormat) === e.oid) known.set(id, disk.raw);
    else want.push({ id, oid: e.oid });
  }
  const blobs = await repo.catFiles(want.map((w) => w.oid));
  for (const w of want) {
    const b = blobs.get(w.oid);
    if (b) known.set(w.id, b.toString('utf8'));
  }
  return known;
}

function blobId(text: string, format: string): string {
  const buf = Buffer.from(text, 'utf8');
  return createHash(format === 'sha256' ? 'sha256' : 'sha1')
    .update(`blob ${buf.length}\0`)
    .update(buf)
    .digest('hex');
}
