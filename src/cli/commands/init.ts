import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { WAVE_POLICIES } from '../../core/graph.js';
import { usageError } from '../../core/errors.js';
import { configFromData } from '../../core/config.js';
import { agentNameFrom, RESERVED_AGENT_NAMES } from '../../core/names.js';
import { addAgent } from '../../store/agents.js';
import type { Board } from '../../store/board.js';
import { mutateConfig } from '../../store/config.js';
import { initBoard } from '../../store/init.js';
import { mainWorktreeOf } from '../../store/locate.js';
import { excludeBoardFromGit } from '../../git/exclude.js';
import { action, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  prefix?: string;
  waves?: string;
  person?: boolean;
}

/** The repository top (main worktree when in a linked one), else the folder itself. */
function repoTop(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return mainWorktreeOf(dir) ?? dir;
    if (dirname(dir) === dir) return start;
  }
}

/** Register git's user.name (as an agent name) with role human; its name, or undefined. */
async function registerPerson(board: Board, top: string): Promise<string | undefined> {
  const r = spawnSync('git', ['config', 'user.name'], { cwd: top, encoding: 'utf8', timeout: 5000 });
  const name = r.status === 0 ? agentNameFrom(r.stdout.trim()) : undefined;
  if (!name || RESERVED_AGENT_NAMES.has(name)) return undefined;
  try {
    const added = await addAgent(board, name, { role: 'human' });
    return added.added ? name : undefined;
  } catch {
    return undefined; // not a usable name: `board agent add NAME --role human` does it by hand
  }
}

export function register(program: Command): Command {
  return program
    .command('init')
    .description('create a board (.board/) at the top of this git repository (or in DIR)')
    .argument('[dir]', 'folder to create .board/ in (default: the repository top, else the working directory)')
    .option('--prefix <prefix>', 'prefix of generated ticket ids', undefined)
    .option('--waves <policy>', 'wave policy: strict or flow')
    .option('--no-person', 'do not register you (git user.name) as an agent with role human')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nRunning it again on an existing board only adds what is missing; nothing is overwritten.')
    .action(
      action(async (dir: string | undefined, opts: Options) => {
        if (opts.waves && !WAVE_POLICIES.includes(opts.waves as never)) {
          throw usageError(`unknown wave policy ${JSON.stringify(opts.waves)}`, { hint: 'use strict or flow' });
        }
        configFromData({ prefix: opts.prefix ?? 'T-', waves: opts.waves ?? 'strict' }, '--prefix/--waves');
        const top = dir ? resolve(dir) : repoTop(process.cwd());
        const result = initBoard(top);
        if (opts.prefix !== undefined || opts.waves) {
          await mutateConfig(result.board, (doc) => {
            if (opts.prefix !== undefined) doc.set('prefix', opts.prefix);
            if (opts.waves) doc.set('waves', opts.waves);
          });
        }
        const git = await excludeBoardFromGit(result.board);
        // the person at the keyboard is a recipient too: agents' replies reach them
        const person = result.existed || opts.person === false ? undefined : await registerPerson(result.board, top);
        if (opts.json) {
          printJson({
            board: result.board.root,
            existed: result.existed,
            created: result.created,
            git,
            person: person ?? null,
          });
        } else {
          if (result.existed) {
            println(
              `board already initialised at ${result.board.root}${result.created.length ? ` (added ${result.created.join(', ')})` : ''}`,
            );
          } else {
            println(`initialised board at ${result.board.root}`);
          }
          if (person)
            println(
              `registered you as agent ${person} (role human): \`board inbox --as ${person}\` shows what agents send you`,
            );
          if (git?.added)
            println(
              `git: added ${git.pattern} to ${git.file}: board files stay out of \`git status\` and code commits; their history goes to the audit branch (\`board log\`, \`board sync\`)`,
            );
          if (git?.tracked)
            println(
              `git: note: ${git.tracked} board file(s) are tracked on your branch; stop tracking them with \`git rm -r --cached ${git.prefix} && git commit\` (the files stay)`,
            );
          if (!result.existed)
            println('next: `board new "First ticket"`, `board agent add NAME`, `board watch --detach`');
        }
      }),
    );
}
