/**
 * `board web`: the live board, the watcher when none runs, and the HTTP server, started and
 * stopped together.
 */
import type { Board } from '../store/board.js';
import { Api } from './api.js';
import { boardToken, Guard, isLoopback } from './guard.js';
import { LiveBoard } from './live.js';
import { WebServer } from './server.js';

export interface WebOptions {
  board: Board;
  person: string;
  port?: number;
  host?: string;
  /** Run a watcher in this process when none runs (default true). */
  watcher?: boolean;
}

export interface RunningWeb {
  url: string;
  port: number;
  host: string;
  token: string;
  /** 'here' (in this process), the pid of the running one, or null (none: --no-watch). */
  watcher: 'here' | number | null;
  server: WebServer;
  live: LiveBoard;
  stop(reason?: string): Promise<void>;
}

export async function startWeb(o: WebOptions): Promise<RunningWeb> {
  const board = o.board;
  const host = o.host ?? '127.0.0.1';
  const live = new LiveBoard(board);
  live.start();

  let watcher: RunningWeb['watcher'] = null;
  let stopWatcher: ((r: string) => Promise<void>) | null = null;
  if (o.watcher !== false) {
    const daemon = await import('../watch/daemon.js');
    const running = await daemon.queryInstance(board);
    if (running) watcher = running.pid;
    else {
      const [{ WatchHost }, { loadPlugins }] = await Promise.all([
        import('../watch/host.js'),
        import('../watch/plugins.js'),
      ]);
      const started = new Date().toISOString();
      let wh: InstanceType<typeof WatchHost> | undefined;
      const got = await daemon.acquireInstance(board, () => ({
        pid: process.pid,
        started,
        board: board.root,
        state: wh?.state ?? 'starting',
      }));
      if ('running' in got) watcher = got.running.pid;
      else {
        wh = new WatchHost({ board, plugins: await loadPlugins(), onEvent: (ev) => live.emit('watch', ev) });
        try {
          await wh.start();
        } catch (e) {
          await wh.stop('failed to start').catch(() => undefined);
          await got.instance.release();
          live.close();
          throw e;
        }
        watcher = 'here';
        stopWatcher = async (r) => {
          await wh!.stop(r);
          await got.instance.release();
        };
      }
    }
  }

  const token = boardToken(board);
  const guard = new Guard(token);
  const server = new WebServer(live, guard, new Api(board, live, o.person));
  let port: number;
  try {
    port = await server.listen(o.port ?? 0, host);
  } catch (e) {
    if (stopWatcher) await stopWatcher('board web could not listen');
    live.close();
    throw e;
  }
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  let stopping: Promise<void> | null = null;
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    port,
    host,
    token,
    watcher,
    server,
    live,
    stop: (reason = 'stopped') =>
      (stopping ??= (async () => {
        await server.close();
        if (stopWatcher) await stopWatcher(reason);
        live.close();
      })()),
  };
}

export { isLoopback };
