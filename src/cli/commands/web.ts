import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { action, actorOf, common, intOption, openBoard, type CommonOptions } from '../context.js';
import { println, warn } from '../output.js';

interface Options extends CommonOptions {
  port?: number;
  host?: string;
  open?: boolean;
  watch?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('web')
    .description('serve the live board in a browser: tickets by wave, agents, recados, graph, actions')
    .option('--port <n>', 'port to listen on (default: a free one)', intOption('--port'))
    .option('--host <addr>', 'address to listen on (default 127.0.0.1; anything else is reachable from other machines)')
    .option('--open', 'open the page in the default browser (xdg-open / open)')
    .option('--no-watch', 'do not run a watcher in this process when none runs');
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      "\nPrints the URL to open; it carries the board's token (kept in .board/run/web.token), which\n" +
        'every request needs: the page keeps it in a cookie, programs send `Authorization: Bearer TOKEN`.\n' +
        'Runs the watcher in the same process when none runs (one watcher per board still holds).\n' +
        'Actions from the page are made as --as NAME (default: BOARD_AGENT, else git user.name).\n' +
        '--json: the first line is {url, port, token, watcher}. Ctrl-C stops it. See docs/web.md.',
    )
    .action(
      action(async (opts: Options) => {
        if (opts.port !== undefined && (opts.port < 0 || opts.port > 65535))
          throw usageError(`--port must be 0 to 65535, got ${opts.port}`);
        const person = actorOf(opts);
        const board = openBoard(opts);
        const { startWeb, isLoopback } = await import('../../web/run.js');
        const host = opts.host ?? '127.0.0.1';
        if (!isLoopback(host))
          warn(`serving on ${host}: other machines can reach this board (the token still protects it)`);
        const web = await startWeb({ board, person, port: opts.port, host, watcher: opts.watch });
        const watcher = web.watcher === 'here' ? 'in this process' : web.watcher === null ? null : `pid ${web.watcher}`;
        if (opts.json)
          println(JSON.stringify({ url: web.url, port: web.port, token: web.token, watcher })); // one line: read it, keep the process
        else {
          println(`board web: ${web.url}`);
          println(`acting as ${person}; watcher ${watcher ?? 'not running (--no-watch)'}; Ctrl-C stops`);
        }
        if (opts.open) {
          const { spawn } = await import('node:child_process');
          const opener =
            process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
          const child = spawn(opener, [web.url], { stdio: 'ignore', detached: true });
          child.on('error', () => warn(`could not run ${opener}; open the URL above yourself`));
          child.unref();
        }
        let signals = 0;
        await new Promise<void>((resolve) => {
          const onSignal = (sig: NodeJS.Signals) => {
            if (++signals > 1) process.exit(130);
            void web.stop(sig).then(resolve, resolve);
          };
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
        });
        process.exitCode = 0;
        setTimeout(() => process.exit(0), 2000).unref();
      }),
    );
}
