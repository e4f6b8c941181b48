import type { Command } from 'commander';
import { checkAgentName } from '../../core/names.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println, warn } from '../output.js';

interface Options extends CommonOptions {
  attach?: boolean;
  watch?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('up')
    .description("start agents' programs in tmux: one window each, in its worktree, with its prompt and hooks")
    .argument('[names...]', 'the agents (default: every agent in board.yaml)')
    .option('--attach', "attach to the session afterwards (the first agent's window)")
    .option('--no-watch', 'do not start the watcher when it is not running');
  common(cmd);
  return cmd
    .addHelpText(
      'after',
      [
        '',
        'One tmux session per board (recado-<repo>-<hash>), one window per agent named after it, in',
        'its worktree (made when board.yaml gives one that does not exist yet). The program is',
        'agents.NAME.command, else the preset of agents.NAME.kind (claude, codex, gemini), run by',
        'sh with BOARD_AGENT, BOARD_DIR and BOARD_PROMPT_FILE (its prompt) in its environment.',
        "kind claude: the board's hooks are installed in .claude/settings.local.json of the folder.",
        'An agent whose program runs is left alone; a dead pane is started again.',
        'BOARD_TMUX_SOCKET selects another tmux server (-L NAME, or -S PATH when it has a /).',
        '--json: {session, agents: [{agent, action, kind, target, window, cwd, hooks}], watcher}.',
      ].join('\n'),
    )
    .action(
      action(async (names: string[], opts: Options) => {
        const board = openBoard(opts);
        const { loadConfig } = await import('../../store/config.js');
        const { upAgent } = await import('../../agents/launch.js');
        const { sessionName, tmuxSocketArgs } = await import('../../agents/tmux.js');
        const config = loadConfig(board);
        const wanted = names.length ? names.map((n) => checkAgentName(n)) : Object.keys(config.agents).sort();
        if (!wanted.length) warn('no agents in board.yaml: add one with `board agent add NAME`');
        const rows = [];
        for (const name of wanted) rows.push(await upAgent(board, config, name));
        let watcher: { running: boolean; started: boolean; pid: number | null } = {
          running: false,
          started: false,
          pid: null,
        };
        if (rows.length) {
          const daemon = await import('../../watch/daemon.js');
          const info = await daemon.queryInstance(board, 1000);
          if (info) watcher = { running: true, started: false, pid: info.pid || null };
          else if (opts.watch !== false) {
            const s = await daemon.startDetached(board, []);
            watcher = { running: true, started: true, pid: s.pid };
          }
        }
        const session = sessionName(board);
        if (opts.json) {
          printJson({ session, agents: rows, watcher });
        } else {
          const w = Math.max(5, ...rows.map((r) => r.agent.length));
          if (rows.length) println(`${'AGENT'.padEnd(w)}  ${'ACTION'.padEnd(9)}  ${'KIND'.padEnd(7)}  PANE  FOLDER`);
          for (const r of rows)
            println(
              `${r.agent.padEnd(w)}  ${r.action.padEnd(9)}  ${r.kind.padEnd(7)}  ${r.target.padEnd(4)}  ${r.cwd || '-'}`,
            );
          if (watcher.started) println(`watcher started (pid ${watcher.pid})`);
          else if (!watcher.running && rows.length) println('watcher not running (start it: board watch --detach)');
          const sock = tmuxSocketArgs().join(' ');
          if (rows.length)
            println(
              `watch them: tmux ${sock ? `${sock} ` : ''}attach -t ${session}   (or board attach NAME, board peek NAME)`,
            );
        }
        if (opts.attach && rows.length) {
          const { attachArgs } = await import('../../agents/launch.js');
          const { spawnSync } = await import('node:child_process');
          spawnSync('tmux', attachArgs(board, rows[0].window), { stdio: 'inherit' });
        }
      }),
    );
}
