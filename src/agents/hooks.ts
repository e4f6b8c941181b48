/**
 * Hook events of an agent's CLI (Claude Code, Codex) turned into its live state, the claims
 * it holds renewed by that activity, and Claude Code's hook settings for `board up`.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { applyHook, renewDue, type AgentRunState, type HookEvent } from '../core/agents.js';
import type { Board } from '../store/board.js';
import { updateAgentState } from '../store/agent-state.js';

/** Events `board up` installs for Claude Code, each running `board hook claude`. */
export const CLAUDE_HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PostToolUse',
  'Notification',
  'Stop',
  'SessionEnd',
] as const;

/** The fields of a hook's JSON input that the state needs. */
export function hookEventOf(name: string, input: Record<string, unknown>): HookEvent {
  const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : null);
  const session = str(input.session_id);
  return {
    name,
    tool: str(input.tool_name),
    notification: str(input.notification_type),
    message: str(input.message),
    session: session && /^[A-Za-z0-9._:-]{1,200}$/.test(session) ? session : null,
  };
}

/** Record a hook event in the agent's state; returns the state before and after. */
export function recordHook(
  board: Board,
  agent: string,
  ev: HookEvent,
  opts: { blocked?: boolean; now?: Date } = {},
): { before: AgentRunState | null; after: AgentRunState } {
  const now = opts.now ?? new Date();
  let before: AgentRunState | null = null;
  const after = updateAgentState(
    board,
    agent,
    (s) => {
      before = s.event === null ? null : s;
      return applyHook(s, ev, now.toISOString(), { blocked: opts.blocked });
    },
    now,
  );
  return { before, after };
}

/**
 * Renew the agent's active claims when its state is working and the last renewal is a minute
 * old or more. Errors are swallowed (a hook never fails because of this); returns the ids renewed.
 */
export async function renewByActivity(board: Board, s: AgentRunState, now = new Date()): Promise<string[]> {
  if (!renewDue(s, now.getTime())) return [];
  updateAgentState(board, s.agent, (x) => ({ ...x, renewed: now.toISOString() }), now);
  const { loadBoard } = await import('../store/tickets.js');
  const { renew } = await import('../ops/tickets.js');
  const loaded = loadBoard(board);
  const done: string[] = [];
  for (const t of loaded.tickets.values()) {
    if (t.claim?.by !== s.agent || t.status === 'done' || t.status === 'cancelled') continue;
    if (Date.parse(t.claim.expires) <= now.getTime()) continue; // a lapsed lease is not taken again by activity
    try {
      await renew(board, t.id, { actor: s.agent });
      done.push(t.id);
    } catch {
      /* taken meanwhile, or refused: the hook goes on */
    }
  }
  return done;
}

/** The command a hook runs: this very `board`, by absolute paths (the agent's PATH may not have it). */
export function boardCommand(node: string, bin: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `${q(node)} ${q(bin)}`;
}

/** What marks the board's own entries (earlier ones, with --as NAME, included). */
const MARK = / hook claude( --as [a-z0-9._-]+)? --json/;

/**
 * Install the board's hooks in `.claude/settings.local.json` of `dir` (Claude Code's local,
 * uncommitted settings): one entry per event running `board hook claude --json` as the agent
 * named by BOARD_AGENT (which `board up` gives its program, so agents sharing a folder share
 * the file; a conversation started by hand, without BOARD_AGENT, runs nothing). Other settings and other hooks in the file are kept; the board's earlier entries are
 * replaced. A file that is not valid JSON is kept aside as `settings.local.json.bad-<time>`.
 */
export function installClaudeHooks(dir: string, board: string, now = new Date()): string {
  const folder = join(dir, '.claude');
  const file = join(folder, 'settings.local.json');
  let settings: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) settings = parsed as Record<string, unknown>;
      else throw new Error('not an object');
    } catch {
      renameSync(file, `${file}.bad-${now.getTime()}`);
    }
  }
  const hooks = (
    settings.hooks && typeof settings.hooks === 'object' && !Array.isArray(settings.hooks) ? settings.hooks : {}
  ) as Record<string, unknown>;
  for (const ev of CLAUDE_HOOK_EVENTS) {
    const groups = Array.isArray(hooks[ev]) ? (hooks[ev] as Array<{ hooks?: Array<{ command?: string }> }>) : [];
    const kept = groups
      .map((g) => ({
        ...g,
        hooks: (g.hooks ?? []).filter((h) => !(typeof h.command === 'string' && MARK.test(h.command))),
      }))
      .filter((g) => g.hooks.length > 0);
    kept.push({
      hooks: [
        { type: 'command', command: `test -z "$BOARD_AGENT" || ${board} hook claude --json`, timeout: 30 } as {
          command: string;
        },
      ],
    });
    hooks[ev] = kept;
  }
  settings.hooks = hooks;
  mkdirSync(folder, { recursive: true });
  excludeFromGit(dir, '/.claude/settings.local.json');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(settings, null, 2) + '\n');
  renameSync(tmp, file);
  return file;
}

const excluded = new Set<string>();

/** Keep the hooks file out of the agent's commits: a line in the repository's info/exclude (shared by its worktrees). */
function excludeFromGit(dir: string, pattern: string): void {
  if (excluded.has(dir)) return;
  excluded.add(dir);
  const r = spawnSync('git', ['rev-parse', '--git-common-dir'], { cwd: dir, encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0) return;
  const common = isAbsolute(r.stdout.trim()) ? r.stdout.trim() : join(dir, r.stdout.trim());
  const file = join(common, 'info', 'exclude');
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    /* none yet */
  }
  if (text.split(/\r?\n/).includes(pattern)) return;
  try {
    mkdirSync(join(common, 'info'), { recursive: true });
    appendFileSync(
      file,
      `${text === '' || text.endsWith('\n') ? '' : '\n'}# recado: the board's hooks for agents' conversations\n${pattern}\n`,
    );
  } catch {
    /* a read-only repository: the file may show in git status */
  }
}
