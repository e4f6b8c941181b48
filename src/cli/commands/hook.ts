import type { Command } from 'commander';
import { join } from 'node:path';
import { BoardError } from '../../core/errors.js';
import { hookText } from '../../core/hook.js';
import { listInbox, readRecado } from '../../store/mailbox.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, warn } from '../output.js';

interface Options extends CommonOptions {
  event?: string;
}

const EVENTS = ['UserPromptSubmit', 'SessionStart'];

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
  const hook = program.command('hook').description('output for coding assistants\' hooks (Claude Code)');
  const claude = hook
    .command('claude')
    .description('print your unread recados for a Claude Code UserPromptSubmit or SessionStart hook, and mark them read')
    .option('--event <name>', 'hookEventName for --json: UserPromptSubmit or SessionStart (default: from the hook input on stdin, else UserPromptSubmit)');
  common(claude, { as: true });
  claude
    .addHelpText(
      'after',
      [
        '',
        'Plain text on stdout (Claude Code adds a UserPromptSubmit/SessionStart hook\'s stdout to the',
        'conversation); with --json the same text as',
        '  {"hookSpecificOutput": {"hookEventName": EVENT, "additionalContext": TEXT}}.',
        'Each recado is printed once, ever: it is moved to inbox/NAME/cur/ as it is printed.',
        'Nothing unread: prints nothing, exit 0. At most ~9,000 characters per call; the rest',
        'follows with the next call. Errors exit 1 (never 2, which would make Claude Code block',
        'the prompt). In .claude/settings.json:',
        '  {"hooks": {"UserPromptSubmit": [{"hooks": [{"type": "command",',
        '     "command": "board hook claude --as NAME"}]}]}}',
      ].join('\n'),
    )
    .action(
      action(async (opts: Options) => {
        try {
          const agent = actorOf(opts);
          const board = openBoard(opts);
          const { entries, broken } = listInbox(board, agent);
          for (const b of broken) warn(b.message);
          if (!entries.length) return;

          const { withLock } = await import('../../store/lock.js');
          const text = await withLock(board, `hook-${agent}`, () => {
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
          if (!text) return;
          if (opts.json) {
            let event = opts.event;
            if (!event) {
              const input = await hookInput();
              event = typeof input.hook_event_name === 'string' ? input.hook_event_name : 'UserPromptSubmit';
            }
            if (!EVENTS.includes(event)) warn(`hook event ${event}: Claude Code adds context only for ${EVENTS.join(' and ')}`);
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
  return hook;
}
