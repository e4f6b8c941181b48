/**
 * The integration check (`integrate.check: "npm test"`): a shell command run on the merged
 * tree before the integration branch moves.
 *
 * It runs through the board's one process runner for git (runGit), as a git shell alias:
 * `git -c alias.board-integrate-check='!…' board-integrate-check LOG SECONDS COMMAND`. The
 * alias drops the variables git sets for aliases (GIT_DIR, GIT_PREFIX, …: a check that runs
 * git itself, e.g. a test suite making repositories, must not be pointed at the board's
 * tree), sends all output to a log file (so a process the command leaves behind cannot keep
 * the board waiting on a pipe), and runs the command under `timeout` when the system has it,
 * which ends the command's whole process group at the deadline. runGit's own timeout (a few
 * seconds later) is the last resort.
 *
 * The command comes from board.yaml (written by the person, like a git hook): it is run as
 * given, by `sh -c`. Its output is hostile text: it goes only into recado bodies, cleaned.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BoardError } from '../core/errors.js';
import { runGit } from './git.js';

const ALIAS =
  '!f() { unset GIT_DIR GIT_WORK_TREE GIT_PREFIX GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT GIT_EXEC_PATH GIT_INDEX_FILE; ' +
  'exec >"$1" 2>&1 </dev/null; ' +
  'if command -v timeout >/dev/null 2>&1; then exec timeout -k 5 "$2" sh -c "$3"; else exec sh -c "$3"; fi; }; f';

export interface CheckResult {
  ok: boolean;
  code: number | null;
  timedOut: boolean;
  ms: number;
  /** Everything it printed (at most the last 256 KiB). */
  output: string;
}

const ALL_CODES = Array.from({ length: 255 }, (_, i) => i + 1);

/** Run `command` in `cwd` with a deadline; its output is kept in `logDir/check.log`. */
export async function runCheck(cwd: string, logDir: string, command: string, timeoutMs: number): Promise<CheckResult> {
  const log = join(logDir, 'check.log');
  rmSync(log, { force: true });
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const t0 = Date.now();
  let code: number | null = null;
  let timedOut = false;
  try {
    const r = await runGit(['-c', `alias.board-integrate-check=${ALIAS}`, 'board-integrate-check', log, String(seconds), command], {
      cwd,
      timeoutMs: seconds * 1000 + 10_000,
      okCodes: ALL_CODES,
      // the command's environment is the person's, not the one git commands of the board get
      env: {
        LC_ALL: process.env.LC_ALL, GIT_LITERAL_PATHSPECS: undefined, GIT_OPTIONAL_LOCKS: undefined,
        GIT_PAGER: process.env.GIT_PAGER, GIT_EDITOR: undefined, GIT_TERMINAL_PROMPT: process.env.GIT_TERMINAL_PROMPT,
        BOARD_AGENT: undefined, BOARD_DIR: undefined,
      },
    });
    code = r.code;
    timedOut = r.code === 124 || r.code === 137;
  } catch (e) {
    if (!(e instanceof BoardError)) throw e;
    timedOut = /timed out/.test(e.message);
    code = null;
  }
  let output = '';
  try {
    const buf = readFileSync(log);
    output = buf.subarray(Math.max(0, buf.length - 256 * 1024)).toString('utf8');
  } catch { /* it printed nothing */ }
  return { ok: code === 0 && !timedOut, code, timedOut, ms: Date.now() - t0, output };
}
