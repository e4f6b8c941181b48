/**
 * The integration check (`integrate.check: "npm test"`): a shell command run on the merged
 * tree before the integration branch moves.
 *
 * It runs with `sh -c` through the board's one process runner (proc/run.ts), in a process
 * group of its own: at the deadline (`integrate.check_timeout`) the whole group gets SIGTERM,
 * then SIGKILL 5 s later, so a test runner's children go with it. Its environment is the
 * board's, without the variables that would point git at another repository (a check that runs
 * git itself, e.g. a test suite making repositories, must not be pointed at the board's tree)
 * and without BOARD_AGENT / BOARD_DIR.
 *
 * The command comes from board.yaml (written by the person, like a git hook): it is run as
 * given. Its output is hostile text: it goes only into recado bodies, cleaned (core/integrate.ts
 * outputTail), never to a terminal.
 */
import { run } from '../proc/run.js';

export interface CheckResult {
  ok: boolean;
  code: number | null;
  timedOut: boolean;
  ms: number;
  /** What it printed, stdout and stderr in order (the last 256 KiB). */
  output: string;
}

const DROP = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_PREFIX',
  'GIT_NAMESPACE',
  'GIT_QUARANTINE_PATH',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  'BOARD_AGENT',
  'BOARD_DIR',
];

/** Run `command` in `cwd` with a deadline. */
export async function runCheck(cwd: string, command: string, timeoutMs: number): Promise<CheckResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of DROP) delete env[k];
  const t0 = Date.now();
  const r = await run('sh', ['-c', command], { cwd, env, timeoutMs, killGraceMs: 5000, group: true, all: true });
  const all = r.all.length > 256 * 1024 ? r.all.subarray(r.all.length - 256 * 1024) : r.all;
  const output = r.error ? `could not start sh: ${r.error.message}` : all.toString('utf8');
  return { ok: r.code === 0 && !r.timedOut, code: r.code, timedOut: r.timedOut, ms: Date.now() - t0, output };
}
