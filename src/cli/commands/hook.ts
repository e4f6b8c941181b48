import type { Command } from 'commander';
import { join } from 'node:path';
import { BoardError } from '../../core/errors.js';
import { hookText } from '../../core/hook.js';
import { listInbox, readRecado } from '../../store/mailbox.js';
import type { Board } from '../../store/board.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { registerExit } from './hook-exit.js';
import { printJson, warn } from '../output.js';

interface Options extends CommonOptions {
  event?: string;
}

/** Events whose hook output Claude Code adds to the conversation: unread recados are printed for them. */
const TEXT_EVENTS = ['UserPromptSubmit', 'SessionStart'];

/** The framed text of the agent's unread recados (marked read as they are printed), or ''. */
async function takeUnread(board: Board, agent: string): Promise<string> {
  const { entries, broken } = listInbox(board, agent);
  for (const b of broken) warn(b.message);
  if (!entries.length) return '';
  const { withLock } = await import('../../store/lock.js');
  return withLock(board, `hook-${agent}`, () => {
    // Again under the lock: a concurrent call may have taken some of them meanwhile.
    const unread = listInbox(board, agent).entries.map((e) => e.recado);
    const out = hookText(unread, {
      agent,
      inboxCur: board.inboxCur(agent),
      outbox: board.outbox(agent),
      pathOf: (id) => join(board.inboxCur(agent), `${id}.md`),
    });
    for (const id of out.shown) readRecado(board, agent, id, { markRead: true });
    return out.text;
  });
}

/** Record a hook event in the agent's live state; a working agent's claims are renewed (once a minute). */
async function onStateEvent(
  board: Board,
  agent: string,
  event: string,
  input: Record<string, unknown>,
  blocked = false,
): Promise<void> {
  const { hookEventOf, recordHook, renewByActivity } = await import('../../agents/hooks.js');
  const { after } = recordHook(board, agent, hookEventOf(event, input), { blocked });
  await renewByActivity(board, after);
}

/**
 * Stop: while unread recados exist, block the stop and give them as the reason, so the agent
 * reads what arrived during its turn before it goes idle. Each recado is given once (it is
 * marked read), and with `stop_hook_active` (the agent already continues because of a Stop
 * hook) at most STOP_BLOCKS_MAX times in a row: never an endless loop.
 */
async function onStop(board: Board, agent: string, event: string, input: Record<string, unknown>): Promise<void> {
  const { mayBlockStop } = await import('../../core/agents.js');
  const { readAgentState } = await import('../../store/agent-state.js');
  const active = input.stop_hook_active === true;
  let text = '';
  if (
    event === 'Stop' &&
    listInbox(board, agent).entries.length &&
    mayBlockStop(readAgentState(board, agent), active)
  ) {
    text = await takeUnread(board, agent);
  }
  await onStateEvent(board, agent, event, input, Boolean(text));
  if (text) printJson({ decision: 'block', reason: text });
}

/** The hook input Claude Code writes on stdin (JSON); {} when there is none. */
async function hookInput(timeoutMs = 500): Promise<Record<string, unknown>> {
  if (process.stdin.isTTY) return {};
  return new Promise((resolve) => {
    let buf = '';
    const done = () => {
      clearTimeout(timer);
      process.stdin.pause();
      try {
        resolve(JSON.parse(buf) as Record<string, unknown>);
      } catch {
        resolve({});
      }
    };
    const timer = setTimeout(done, timeoutMs);
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d) => (buf += d));
    process.stdin.on('end', done);
    process.stdin.on('error', done);
  });
}

export function register(program: Command): Command {
  const hook = program.command('hook').description("output for coding assistants' hooks (Claude Code)");
  const claude = hook
    .command('claude')
    .description(
      "a Claude Code (or Codex) hook: records the agent's live state; prints unread recados (UserPromptSubmit, SessionStart) or blocks a Stop while there are some",
    )
    .option(
      '--event <name>',
      'the hook event (default: hook_event_name from the hook input on stdin, else UserPromptSubmit)',
    );
  common(claude, { as: true });
  claude
    .addHelpText(
      'after',
      [
        '',
        "Plain text on stdout (Claude Code adds a UserPromptSubmit/SessionStart hook's stdout to the",
        'conversation); with --json the same text as',
        '  {"hookSpecificOutput": {"hookEventName": EVENT, "additionalContext": TEXT}}.',
        'Each recado is printed once, ever: it is moved to inbox/NAME/cur/ as it is printed.',
        'Nothing unread: prints nothing, exit 0. At most ~9,000 characters per call; the rest',
        'follows with the next call. Errors exit 1 (never 2, which would make Claude Code block',
        'the prompt).',
        'Stop: while unread recados exist, prints {"decision": "block", "reason": TEXT} (they are',
        'marked read), so the agent reads them before it stops; with stop_hook_active at most 3',
        'times in a row. PreToolUse, PostToolUse, Notification, SessionEnd: the live state only',
        "(board status), and a working agent's claims are renewed at most once a minute.",
        '`board up` installs these hooks itself. By hand, in .claude/settings.json:',
        '  {"hooks": {"UserPromptSubmit": [{"hooks": [{"type": "command",',
        '     "command": "board hook claude --as NAME"}]}]}}',
      ].join('\n'),
    )
    .action(
      action(async (opts: Options) => {
        try {
          const agent = actorOf(opts);
          const board = openBoard(opts);
          const input = opts.event && process.stdin.isTTY ? {} : await hookInput();
          const event =
            opts.event ?? (typeof input.hook_event_name === 'string' ? input.hook_event_name : 'UserPromptSubmit');
          if (event === 'Stop' || event === 'SubagentStop') return await onStop(board, agent, event, input);
          if (!TEXT_EVENTS.includes(event)) {
            // PreToolUse, PostToolUse, Notification, SessionEnd, ...: the live state only, nothing printed
            await onStateEvent(board, agent, event, input);
            return;
          }
          await onStateEvent(board, agent, event, input);
          const text = await takeUnread(board, agent);
          if (!text) return;
          if (opts.json) {
            printJson({ hookSpecificOutput: { hookEventName: event, additionalContext: text } });
          } else {
            process.stdout.write(text);
          }
        } catch (e) {
          // Exit 2 makes Claude Code block the user's prompt: a hook problem must not do that.
          if (e instanceof BoardError && e.exitCode === 2) {
            throw new BoardError('internal', e.message, e.details);
          }
          throw e;
        }
      }),
    );
  registerExit(hook);
  return hook;
}
