/**
 * The git pre-commit hook that keeps commits off paths reserved by someone else's claim.
 *
 * Where: the folder git runs hooks from, asked from git itself (`git rev-parse --git-path
 * hooks`): the common git dir's `hooks/` (one folder for the main worktree and every linked
 * worktree), or `core.hooksPath` when it is set. A relative `core.hooksPath` is read by git
 * from each worktree's top, so it is not shared: the installer says so.
 *
 * Never clobbers: a pre-commit hook that is not the board's is refused unless `chain` is
 * asked, which keeps it as `pre-commit.before-board` and runs it first (its failure stops the
 * commit as before). Installing again updates the board's hook in place; `uninstall` puts a
 * chained hook back.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { conflict, notFound } from '../core/errors.js';

export const HOOK_MARKER = '# board-pre-commit (recado)';
export const CHAINED_NAME = 'pre-commit.before-board';

function git(args: string[], cwd: string): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw notFound(`not inside a git repository (${cwd})`, {
      hint: 'run `board hooks install` inside the repository (any of its worktrees)',
    });
  }
  return r.stdout.trim();
}

export interface HooksPlace {
  dir: string;
  /** core.hooksPath as configured, if any. */
  hooksPath: string | null;
  /** True when core.hooksPath is relative: each worktree has its own hooks folder. */
  perWorktree: boolean;
}

export function hooksPlace(cwd: string): HooksPlace {
  const dir = resolve(cwd, git(['rev-parse', '--git-path', 'hooks'], cwd));
  const r = spawnSync('git', ['config', '--get', 'core.hooksPath'], { cwd, encoding: 'utf8', timeout: 10_000 });
  const hooksPath = r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
  return { dir, hooksPath, perWorktree: hooksPath !== null && !isAbsolute(hooksPath) && !hooksPath.startsWith('~') };
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The hook script. `node` and `bin` say how to run this board; `board` on PATH is the fallback. */
export function hookScript(node: string, bin: string, chained: boolean): string {
  return `#!/bin/sh
${HOOK_MARKER}: refuse a commit that touches files reserved by another
# agent's claimed ticket (the ticket's locks: globs). Installed by \`board hooks install\`;
# removed by \`board hooks uninstall\`. Who you are: BOARD_AGENT, else git config user.name.
# To commit anyway (you take the responsibility): git commit --no-verify
BOARD_NODE=${sq(node)}
BOARD_BIN=${sq(bin)}
${
  chained
    ? `
hook_dir=$(dirname "$0")
if [ -x "$hook_dir/${CHAINED_NAME}" ]; then
  "$hook_dir/${CHAINED_NAME}" "$@" || exit $?
fi
`
    : ''
}
if [ -x "$BOARD_NODE" ] && [ -f "$BOARD_BIN" ]; then
  "$BOARD_NODE" "$BOARD_BIN" check-paths --staged
elif command -v board >/dev/null 2>&1; then
  board check-paths --staged
else
  echo "board pre-commit: the board command was not found; reserved paths were not checked" >&2
  exit 0
fi
status=$?
case $status in
  0) exit 0 ;;
  3) exit 0 ;; # no board for this repository
  4)
    echo "board pre-commit: commit refused: the files above are reserved by another agent's claimed ticket." >&2
    echo "  Ask the holder (board send NAME ...), wait for the release, or unstage them (git restore --staged FILE)." >&2
    echo "  To commit anyway, taking the responsibility: git commit --no-verify" >&2
    exit 1 ;;
  *)
    echo "board pre-commit: board check-paths failed (exit $status); fix the problem above, or commit with --no-verify" >&2
    exit 1 ;;
esac
`;
}

export interface InstallResult {
  path: string;
  action: 'installed' | 'updated' | 'chained';
  place: HooksPlace;
  chainedTo?: string;
}

export function installPreCommit(cwd: string, opts: { node: string; bin: string; chain?: boolean }): InstallResult {
  const place = hooksPlace(cwd);
  mkdirSync(place.dir, { recursive: true });
  const path = join(place.dir, 'pre-commit');
  const chainedPath = join(place.dir, CHAINED_NAME);
  let action: InstallResult['action'] = 'installed';
  let chained = existsSync(chainedPath);
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    if (text.includes(HOOK_MARKER)) {
      action = 'updated';
    } else if (opts.chain) {
      if (chained) {
        throw conflict(`both ${path} and ${chainedPath} exist and neither is the board's hook`, {
          hint: `merge them by hand, then run \`board hooks install --chain\` again`,
        });
      }
      renameSync(path, chainedPath);
      chained = true;
      action = 'chained';
    } else {
      throw conflict(`a pre-commit hook already exists at ${path}; it was left untouched`, {
        hint: `run \`board hooks install --chain\` to keep it (as ${CHAINED_NAME}, run first), or add \`board check-paths --staged\` to it yourself`,
      });
    }
  }
  const tmp = `${path}.board-${process.pid}.tmp`;
  writeFileSync(tmp, hookScript(opts.node, opts.bin, chained), { mode: 0o755 });
  chmodSync(tmp, 0o755);
  renameSync(tmp, path);
  return { path, action, place, chainedTo: chained ? chainedPath : undefined };
}

export interface UninstallResult {
  path: string;
  removed: boolean;
  restored?: string;
}

export function uninstallPreCommit(cwd: string): UninstallResult {
  const place = hooksPlace(cwd);
  const path = join(place.dir, 'pre-commit');
  const chainedPath = join(place.dir, CHAINED_NAME);
  if (!existsSync(path) || !readFileSync(path, 'utf8').includes(HOOK_MARKER)) {
    return { path, removed: false };
  }
  rmSync(path);
  if (existsSync(chainedPath)) {
    renameSync(chainedPath, path);
    return { path, removed: true, restored: path };
  }
  return { path, removed: true };
}

/** Paths staged for the next commit (relative to the worktree top), including deletions and both sides of renames. */
export function stagedFiles(cwd: string): string[] {
  const r = spawnSync('git', ['diff', '--cached', '--name-only', '-z', '--no-renames'], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 1 << 28,
  });
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw notFound('not inside a git repository', { hint: (r.stderr || '').trim() || 'run it inside the repository' });
  return r.stdout.split('\0').filter(Boolean);
}
