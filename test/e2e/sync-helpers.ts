// Shared set-up for tests across clones: a bare remote and clones of it in a temp dir.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { board, git, tempDir, type RunResult } from '../helpers.js';

export function identity(dir: string, name: string) {
  git(['config', 'user.name', name], dir);
  git(['config', 'user.email', `${name}@example.com`], dir);
  git(['config', 'commit.gpgsign', 'false'], dir);
}

export function ok(r: RunResult): RunResult {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

/** Every board file (not tmp/ locks/ run/) with its bytes. */
export function boardFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = relative(root, p);
      if (['tmp', 'locks', 'run'].includes(rel)) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out[rel] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

export interface Cluster {
  root: string;
  remote: string;
  /** The clone that made the board. */
  first: string;
  /** Another clone, synced: it has the board. */
  clone(name: string): string;
}

/**
 * A bare remote and a first clone with a board (agents, tickets T-1..T-`tickets`), pushed.
 * `yaml` is appended to board.yaml (e.g. "sync:\n  claims: remote\n"). `url` replaces the
 * remote's address in every clone (a git daemon on 127.0.0.1).
 */
export function cluster(opts: { agents?: string[]; tickets?: number; yaml?: string } = {}): Cluster {
  const root = tempDir('recado-remote-');
  const remote = join(root, 'remote.git');
  git(['init', '-q', '--bare', '-b', 'main', remote], root);
  const first = join(root, 'first');
  mkdirSync(first);
  git(['init', '-q', '-b', 'main'], first);
  identity(first, 'Ana');
  writeFileSync(join(first, 'code.txt'), 'code v1\n');
  git(['add', 'code.txt'], first);
  git(['commit', '-qm', 'code'], first);
  git(['remote', 'add', 'origin', remote], first);
  git(['push', '-q', 'origin', 'main'], first);
  ok(board(['init', '--no-person'], { cwd: first }));
  const cfg = join(first, '.board', 'board.yaml');
  const agents = opts.agents ?? ['alice', 'bob'];
  writeFileSync(
    cfg,
    readFileSync(cfg, 'utf8').replace('agents: {}', `agents:\n${agents.map((a) => `  ${a}: {}\n`).join('')}`) +
      (opts.yaml ?? ''),
  );
  for (let i = 1; i <= (opts.tickets ?? 1); i++)
    ok(board(['new', `Work ${i}`, '--id', `T-${i}`, '--as', 'ana'], { cwd: first }));
  ok(board(['sync'], { cwd: first }));
  return {
    root,
    remote,
    first,
    clone(name: string) {
      const dir = join(root, name);
      git(['clone', '-q', remote, dir], root);
      identity(dir, name);
      ok(board(['sync'], { cwd: dir }));
      return dir;
    },
  };
}

/** A file of the audit branch as the remote has it. */
export function remoteFile(remote: string, rel: string, branch = 'recado'): string {
  return git(['show', `${branch}:.board/${rel}`], remote);
}
