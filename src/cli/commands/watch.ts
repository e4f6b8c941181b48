import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { humanText, printJson, println } from '../output.js';

interface Options extends CommonOptions {
  detach?: boolean;
  stop?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('watch')
    .description('run the watcher: route recados from outboxes to inboxes and follow every change of the board')
    .option('--detach', 'run in the background (pid and log in .board/run/); returns once it has caught up')
    .option('--stop', 'stop the running watcher (SIGTERM, then wait for it to finish)');
  common(cmd);
  return cmd
    .addHelpText(
      'after',
      '\nOne watcher per board: a second one says which runs and exits 4. On start it delivers\n' +
        'whatever was dropped while none ran. Ctrl-C / SIGTERM finish the work in hand and exit 0.\n' +
        'The foreground log is one line per event; --json prints JSON lines {time, type, ...}.',
    )
    .action(
      action(async (opts: Options) => {
        if (opts.detach && opts.stop) throw usageError('--detach and --stop do not go together');
        const board = openBoard(opts);
        const daemon = await import('../../watch/daemon.js');

        if (opts.stop) {
          const r = await daemon.stopInstance(board);
          if (opts.json) printJson({ running: !!r.info, stopped: r.stopped, pid: r.info?.pid ?? null, ms: r.ms });
          else if (!r.info) println('no watcher is running for this board');
          else if (r.stopped) println(`stopped the watcher (pid ${r.info.pid}) in ${r.ms} ms`);
          if (r.info && !r.stopped) {
            throw new (await import('../../core/errors.js')).BoardError(
              'internal',
              `the watcher (pid ${r.info.pid}) did not stop within 15 s`,
              {
                hint: `it may be stuck; \`kill -9 ${r.info.pid}\` ends it (nothing is lost: the next watcher resumes its work)`,
              },
            );
          }
          return;
        }

        if (opts.detach) {
          const r = await daemon.startDetached(board, opts.json ? ['--json'] : []);
          if (opts.json) printJson({ pid: r.pid, log: r.log });
          else
            println(
              `watcher running in the background (pid ${r.pid}); log: ${board.rel(r.log)}; stop it with \`board watch --stop\``,
            );
          return;
        }

        await runForeground(board, !!opts.json, daemon);
      }),
    );
}

async function runForeground(
  board: import('../../store/board.js').Board,
  json: boolean,
  daemon: typeof import('../../watch/daemon.js'),
): Promise<void> {
  const [{ WatchHost }, { loadPlugins }, { humanLine, jsonLine }] = await Promise.all([
    import('../../watch/host.js'),
    import('../../watch/plugins.js'),
    import('../../watch/log.js'),
  ]);
  const started = new Date().toISOString();
  let host: InstanceType<typeof WatchHost> | undefined;
  const got = await daemon.acquireInstance(board, () => ({
    pid: process.pid,
    started,
    board: board.root,
    state: host?.state ?? 'starting',
  }));
  if ('running' in got) throw daemon.alreadyRunning(got.running);

  const format = json ? jsonLine : humanLine;
  process.stdout.on('error', () => undefined); // a closed pipe must not kill the watcher
  host = new WatchHost({
    board,
    plugins: await loadPlugins(),
    onEvent: (ev) => process.stdout.write((json ? format(ev) : humanText(format(ev))) + '\n'),
  });

  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130); // a second Ctrl-C: leave now (the next watcher resumes)
    void host!.stop(sig).then(finished, finished);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', (e) => host?.log({ type: 'error', message: `unexpected: ${e?.stack ?? e}` }));

  try {
    await host.start();
  } catch (e) {
    await host.stop('failed to start').catch(() => undefined);
    await got.instance.release();
    throw e;
  }
  await done;
  await got.instance.release();
  process.exitCode = 0;
  setTimeout(() => process.exit(0), 2000).unref(); // if a plugin left something running
}
