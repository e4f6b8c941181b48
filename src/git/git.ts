/**
 * Running the `git` binary. No git library: every call spawns git with a clean environment
 * (nothing inherited that could point it at another repository or the user's index), a
 * timeout, and an error that names the command and quotes git's stderr.
 *
 * The repository is found once per folder (`git rev-parse`) and kept as a GitRepo.
 */
import { lstatSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { BoardError } from '../core/errors.js';
import { run } from '../proc/run.js';

/** Local commands (rev-parse, hash-object, commit-tree, ...). */
export const GIT_TIMEOUT_MS = Number(process.env.BOARD_GIT_TIMEOUT_MS) || 30_000;
/** Commands that talk to a remote (fetch, push). */
export const GIT_NETWORK_TIMEOUT_MS = Number(process.env.BOARD_GIT_NETWORK_TIMEOUT_MS) || 120_000;

/**
 * Variables that would make git act on another repository, index or identity than the one
 * the board chose (a watcher started from a git hook inherits GIT_INDEX_FILE, GIT_DIR, ...).
 */
const STRIPPED = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_QUARANTINE_PATH',
  'GIT_REFLOG_ACTION',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
  'GIT_GLOB_PATHSPECS',
  'GIT_NOGLOB_PATHSPECS',
  'GIT_ICASE_PATHSPECS',
  'GIT_LITERAL_PATHSPECS',
  'GIT_INTERNAL_SUPER_PREFIX',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'GIT_PAGER',
];

export function gitEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of STRIPPED) delete env[k];
  delete env.LANGUAGE;
  Object.assign(env, {
    LC_ALL: 'C', // messages the board parses (push rejections, missing refs) in one language
    GIT_TERMINAL_PROMPT: '0', // never wait for a password on a terminal
    GIT_OPTIONAL_LOCKS: '0', // never refresh (rewrite) the user's index as a side effect
    GIT_LITERAL_PATHSPECS: '1', // board paths are paths, never globs
    GIT_PAGER: 'cat',
    GIT_EDITOR: 'true',
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface GitRunOptions {
  cwd: string;
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Exit codes returned to the caller instead of thrown (0 always is). */
  okCodes?: number[];
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

const show = (args: string[]) =>
  `git ${args.map((a) => (/^[\w@%+=:,./^~-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}`;

/** Run git; resolves with its output, or rejects with a BoardError saying what went wrong. */
export async function runGit(args: string[], opts: GitRunOptions): Promise<GitResult> {
  const timeoutMs = opts.timeoutMs ?? GIT_TIMEOUT_MS;
  const command = show(args);
  const r = await run('git', args, {
    cwd: opts.cwd,
    env: gitEnv(opts.env),
    input: opts.input ?? '',
    timeoutMs,
    killGraceMs: 2000, // git removes its lock files on SIGTERM
  });
  if (r.error) throw spawnError(r.error, command);
  const stderr = r.stderr.toString('utf8');
  if (r.timedOut) {
    throw new BoardError('internal', `${command} timed out after ${Math.round(timeoutMs / 1000)} s`, {
      hint: 'git did not answer in time: a slow disk, a network remote that does not respond, or a git lock held by another process (look for *.lock files in .git)',
      data: { command, timeoutMs },
    });
  }
  const exit = r.code ?? (r.signal ? 128 : 1);
  if (exit !== 0 && !(opts.okCodes ?? []).includes(exit)) throw gitFailure(command, exit, stderr);
  return { code: exit, stdout: r.stdout, stderr };
}

function spawnError(e: unknown, command: string): BoardError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') {
    return new BoardError(
      'not_found',
      'git is not installed (or not on PATH); the board needs it for its audit trail, log and sync',
      {
        hint: 'install git, or set git.autocommit: false in .board/board.yaml to run the watcher without an audit trail',
        data: { command },
      },
    );
  }
  return new BoardError('internal', `${command} could not start: ${String((e as Error)?.message ?? e)}`, {
    data: { command },
  });
}

export function gitFailure(command: string, code: number, stderr: string): BoardError {
  const text = stderr.trim().split('\n').filter(Boolean).slice(-6).join('\n  ');
  return new BoardError('internal', `${command} failed (exit ${code})${text ? `:\n  ${text}` : ''}`, {
    data: { command, code, stderr },
  });
}

/** A git repository (its main worktree), found once per folder. */
export class GitRepo {
  private constructor(
    /** Top of the worktree the board lives in. */
    readonly top: string,
    /** That worktree's git dir. */
    readonly gitDir: string,
    /** The git dir shared by every worktree (refs, objects, info/exclude). */
    readonly commonDir: string,
    /** 'sha1' or 'sha256'. */
    readonly objectFormat: string,
  ) {}

  private static cache = new Map<string, Promise<GitRepo | null>>();

  /** The repository that holds `dir`, or null when `dir` is not inside a git work tree. */
  static find(dir: string): Promise<GitRepo | null> {
    const key = resolve(dir);
    let p = GitRepo.cache.get(key);
    if (!p) {
      p = GitRepo.lookup(key);
      GitRepo.cache.set(key, p);
      p.catch(() => GitRepo.cache.delete(key));
    }
    return p;
  }

  private static async lookup(dir: string): Promise<GitRepo | null> {
    const r = await runGit(
      ['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir', '--show-object-format'],
      {
        cwd: dir,
        okCodes: [128],
      },
    ).catch((e: BoardError) => {
      if (e.kind === 'not_found') throw e; // no git at all
      return { code: 128, stdout: Buffer.alloc(0), stderr: e.message };
    });
    if (r.code !== 0) return null; // not a repository, or a bare one (no work tree)
    const [top, gitDir, common, format] = r.stdout.toString('utf8').split('\n');
    if (!top || !gitDir || !common) return null;
    const commonDir = isAbsolute(common) ? common : resolve(dir, common);
    return new GitRepo(top, gitDir, commonDir, format === 'sha256' ? 'sha256' : 'sha1');
  }

  get zeroOid(): string {
    return '0'.repeat(this.objectFormat === 'sha256' ? 64 : 40);
  }

  /** `path` relative to the top, with forward slashes; undefined when it is outside. */
  relPath(path: string): string | undefined {
    const rel = relative(this.top, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    return rel.split(sep).join('/');
  }

  run(args: string[], opts: Omit<GitRunOptions, 'cwd'> = {}): Promise<GitResult> {
    return runGit(args, { cwd: this.top, ...opts });
  }

  /** stdout as text, without the trailing newline. */
  async text(args: string[], opts: Omit<GitRunOptions, 'cwd'> = {}): Promise<string> {
    return (await this.run(args, opts)).stdout.toString('utf8').replace(/\n$/, '');
  }

  /** The commit and tree a ref points at, or null when the ref does not exist. */
  async tip(ref: string): Promise<{ commit: string; tree: string } | null> {
    const out = await this.text(['for-each-ref', '--format=%(objectname) %(tree)', ref]);
    const line = out.split('\n').find((l) => l.trim());
    if (!line) return null;
    const [commit, tree] = line.split(' ');
    return { commit, tree };
  }

  /** True when `a` is an ancestor of (or equal to) `b`. */
  async isAncestor(a: string, b: string): Promise<boolean> {
    const r = await this.run(['merge-base', '--is-ancestor', a, b], { okCodes: [1] });
    return r.code === 0;
  }

  /**
   * Read objects in one process: `specs` are `<rev>:<path>` or object ids. Missing ones map
   * to null.
   */
  async catFiles(specs: string[]): Promise<Map<string, Buffer | null>> {
    const result = new Map<string, Buffer | null>();
    const unique = [...new Set(specs)].filter((s) => !s.includes('\n'));
    if (!unique.length) return result;
    const r = await this.run(['cat-file', '--batch'], { input: unique.join('\n') + '\n' });
    const buf = r.stdout;
    let pos = 0;
    for (const spec of unique) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      const header = buf.subarray(pos, nl).toString('utf8');
      pos = nl + 1;
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        result.set(spec, null);
        continue;
      }
      const size = Number(header.split(' ')[2]);
      result.set(spec, header.split(' ')[1] === 'blob' ? buf.subarray(pos, pos + size) : null);
      pos += size + 1; // content, then a newline
    }
    return result;
  }

  /** Every blob under `prefix` in `treeish`: path -> {mode, oid}. */
  async listTree(treeish: string | null, prefix: string): Promise<Map<string, TreeEntry>> {
    const map = new Map<string, TreeEntry>();
    if (!treeish) return map;
    const out = (await this.run(['ls-tree', '-r', '-z', '--full-tree', treeish, '--', prefix])).stdout.toString('utf8');
    for (const rec of out.split('\0')) {
      if (!rec) continue;
      const tab = rec.indexOf('\t');
      const [mode, type, oid] = rec.slice(0, tab).split(' ');
      if (type !== 'blob') continue;
      map.set(rec.slice(tab + 1), { mode, oid });
    }
    return map;
  }

  /**
   * Blob ids of files (paths relative to the top), as stored: no clean filters, no line-end
   * conversion. With `write` (default) the blobs are written into the object store.
   */
  async hashFiles(paths: string[], write = true): Promise<string[]> {
    if (!paths.length) return [];
    for (const p of paths) {
      if (/[\n\r]/.test(p))
        throw new BoardError(
          'invalid',
          `cannot record ${JSON.stringify(p)}: file names with line breaks are not supported`,
          { file: p },
        );
    }
    const args = ['hash-object', ...(write ? ['-w'] : []), '--no-filters', '--stdin-paths'];
    const out = await this.text(args, { input: paths.join('\n') + '\n' });
    const ids = out.split('\n');
    if (ids.length !== paths.length)
      throw new BoardError('internal', `git hash-object returned ${ids.length} ids for ${paths.length} files`);
    return ids;
  }

  /**
   * Like hashFiles, for files that other processes may remove at any moment (a recado routed
   * or read meanwhile): a file that is gone by the time git opens it gets null.
   */
  async hashPresentFiles(paths: string[], write = true): Promise<(string | null)[]> {
    const present = paths.map(() => true);
    for (let attempt = 0; ; attempt++) {
      try {
        const ids = await this.hashFiles(
          paths.filter((_, i) => present[i]),
          write,
        );
        let j = 0;
        return present.map((here) => (here ? ids[j++] : null));
      } catch (e) {
        let gone = false;
        paths.forEach((p, i) => {
          if (present[i] && !isRegularFile(resolve(this.top, p))) {
            present[i] = false;
            gone = true;
          }
        });
        if (!gone || attempt >= 5) throw e;
      }
    }
  }

  /** Write one blob from memory; returns its id. */
  async hashContent(data: string | Buffer): Promise<string> {
    return this.text(['hash-object', '-w', '--no-filters', '--stdin'], { input: data });
  }
}

export interface TreeEntry {
  mode: string;
  oid: string;
}

function isRegularFile(abs: string): boolean {
  try {
    return lstatSync(abs).isFile();
  } catch {
    return false;
  }
}
