/**
 * tmux for `board up`, `down`, `peek`, `attach` and the agents' exits. The server is the
 * user's default one; BOARD_TMUX_SOCKET picks another (a name for `-L`, or a socket path for
 * `-S`). Every call is a separate `tmux` process with a timeout.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { BoardError } from '../core/errors.js';
import type { Board } from '../store/board.js';

export interface TmuxResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The tmux server: BOARD_TMUX_SOCKET, or the one recorded for an agent; undefined/'' is the default server. */
let current: string | undefined;

/** Use this server for the calls that follow (an agent's recorded one); undefined: BOARD_TMUX_SOCKET. */
export function useSocket(sock: string | null | undefined): void {
  current = sock ?? undefined;
}

export function currentSocket(): string | null {
  return (current ?? process.env.BOARD_TMUX_SOCKET) || null;
}

export function tmuxSocketArgs(sock: string | null = currentSocket()): string[] {
  if (!sock) return [];
  return sock.includes('/') ? ['-S', sock] : ['-L', sock];
}

export function tmux(args: string[], opts: { timeoutMs?: number } = {}): TmuxResult {
  const r = spawnSync('tmux', [...tmuxSocketArgs(), ...args], { encoding: 'utf8', timeout: opts.timeoutMs ?? 5000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new BoardError('not_found', 'tmux is not installed', {
      hint: 'install tmux (e.g. apt-get install tmux) to run agents with board up',
    });
  }
  return {
    code: r.status ?? 1,
    stdout: r.stdout ?? '',
    stderr: (r.stderr ?? '') + (r.error ? String(r.error.message) : ''),
  };
}

/** tmux, or a clear error naming what failed. */
export function tmuxOk(args: string[], what: string): string {
  const r = tmux(args);
  if (r.code !== 0) throw new BoardError('internal', `tmux could not ${what}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}

/** The tmux session of a board: one per board, named after its repository. */
export function sessionName(board: Board): string {
  const base =
    basename(board.repo)
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 30) || 'board';
  const hash = createHash('sha256').update(board.root).digest('hex').slice(0, 6);
  return `recado-${base}-${hash}`;
}

export interface PaneFacts {
  pane: string;
  window: string;
  windowName: string;
  session: string;
  dead: boolean;
  pid: number;
  /** Last output in the window (ms since 1970). */
  activityMs: number | null;
  command: string;
}

const FORMAT =
  '#{pane_id} #{window_id} #{pane_dead} #{pane_pid} #{window_activity} #{session_name} #{window_name} #{pane_current_command}';

function parse(line: string): PaneFacts | null {
  const m = /^(%\d+) (@\d+) (\d) (\d+) (\d*) (\S+) (\S+) ?(.*)$/.exec(line);
  if (!m) return null;
  return {
    pane: m[1],
    window: m[2],
    dead: m[3] === '1',
    pid: Number(m[4]),
    activityMs: m[5] ? Number(m[5]) * 1000 : null,
    session: m[6],
    windowName: m[7],
    command: m[8],
  };
}

/** Every pane of the server (empty when no server runs). */
export function listPanes(): PaneFacts[] {
  const r = tmux(['list-panes', '-a', '-F', FORMAT]);
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .map(parse)
    .filter((p): p is PaneFacts => p !== null);
}

/** One pane by target (a pane id such as %3, or session:window), or null. */
export function paneFacts(target: string): PaneFacts | null {
  const r = tmux(['display-message', '-p', '-t', target, FORMAT]);
  if (r.code !== 0) return null;
  return parse(r.stdout.trim());
}

export function hasSession(name: string): boolean {
  return tmux(['has-session', '-t', `=${name}`]).code === 0;
}

/** Quote for sh (single quotes). */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
