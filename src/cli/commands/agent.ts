import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { conflict } from '../../core/errors.js';
import { addAgent, checkNewAgentName, listAgents, removeAgent } from '../../store/agents.js';
import { readConfig } from '../../store/mailbox.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { paint, printJson, println } from '../output.js';

interface AddOptions extends CommonOptions {
  role?: string;
  worktree?: string | boolean;
}

interface RemoveOptions extends CommonOptions {
  worktree?: boolean;
  yes?: boolean;
  force?: boolean;
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function register(program: Command): Command {
  const agent = program
    .command('agent')
    .description('add, list and remove the agents of this board (who can send and receive recados)');

  const add = agent
    .command('add')
    .description('add an agent: records it in board.yaml and creates inbox/NAME/{new,cur} and outbox/NAME')
    .argument('<name>', 'agent name: a-z, 0-9, ".", "_", "-" (all and board are reserved)')
    .option('--role <role>', 'its role: recados to "@ROLE" reach every agent with it (e.g. backend, orchestrator)')
    .option(
      '--worktree [path]',
      'also create its git worktree on branch board/NAME, from the current HEAD (default path: ../<repo>-NAME)',
    );
  common(add);
  add
    .addHelpText(
      'after',
      '\nRunning it again for an existing agent changes nothing but --role (and --worktree), and re-creates missing folders.\n' +
        'With --worktree, `worktree:` is recorded in board.yaml (relative to the repository when inside it);\n' +
        'board commands run inside that worktree use this board.',
    )
    .action(
      action(async (name: string, opts: AddOptions) => {
        checkNewAgentName(name);
        const board = openBoard(opts);
        let wt: import('../../git/worktree.js').AddWorktreeResult | null = null;
        let recorded: string | undefined;
        if (opts.worktree !== undefined && opts.worktree !== false) {
          const worktree = await import('../../git/worktree.js');
          wt = await worktree.addAgentWorktree(board, name, {
            path: typeof opts.worktree === 'string' ? opts.worktree : undefined,
          });
          recorded = worktree.recordedPath(board, wt.path);
        }
        const r = await addAgent(board, name, { role: opts.role, worktree: recorded });
        const conf = r.config.agents[name];
        if (opts.json) {
          printJson({
            name,
            added: r.added,
            updated: r.updated,
            created: r.created,
            ...conf,
            ...(wt ? { worktree_path: wt.path, branch: wt.branch, worktree_action: wt.action, head: wt.head } : {}),
          });
          return;
        }
        const role = conf?.role;
        if (r.added) println(`added agent ${name}${role ? ` (role ${role})` : ''}`);
        else if (r.updated && opts.role !== undefined) println(`${name}: role is now ${role ?? 'none'}`);
        else if (!wt)
          println(`${name} is already an agent${r.created.length ? ` (re-created ${r.created.join(', ')})` : ''}`);
        if (r.added) println(`its inbox: .board/inbox/${name}/new/   its outbox: .board/outbox/${name}/`);
        if (wt) {
          const how =
            wt.action === 'created'
              ? wt.branchExisted
                ? `created on the existing branch ${wt.branch}`
                : `created on a new branch ${wt.branch} from ${wt.head?.slice(0, 9) ?? 'HEAD'}`
              : wt.action === 'existing'
                ? `already there, on ${wt.branch}`
                : `found on ${wt.branch}`;
          println(`worktree: ${wt.path} (${how}; recorded as ${recorded})`);
          println(`start its conversation there: cd ${shellQuote(wt.path)} && board prompt ${name}`);
        }
      }),
    );

  const ls = agent.command('list').description('list the agents with their role and unread recados');
  common(ls);
  ls.action(
    action(async (opts: CommonOptions) => {
      const board = openBoard(opts);
      const agents = listAgents(board, readConfig(board));
      if (opts.json) {
        printJson(agents);
        return;
      }
      if (agents.length === 0) {
        println('no agents yet: `board agent add NAME --role ROLE` adds one');
        return;
      }
      const w = Math.max(4, ...agents.map((a) => a.name.length));
      const rw = Math.max(4, ...agents.map((a) => (a.role ?? '-').length));
      println(paint.bold(`${'NAME'.padEnd(w)}  ${'ROLE'.padEnd(rw)}  UNREAD  WORKTREE`));
      for (const a of agents) {
        const unread = a.inbox ? String(a.unread) : paint.yellow('no inbox');
        println(`${a.name.padEnd(w)}  ${(a.role ?? '-').padEnd(rw)}  ${unread.padStart(6)}  ${a.worktree ?? '-'}`);
      }
    }),
  );

  const rm = agent
    .command('remove')
    .description('remove an agent from board.yaml (its inbox and outbox folders are kept)')
    .argument('<name>', 'agent name')
    .option('--worktree', 'also remove its git worktree (refused when it has uncommitted changes, unless --force)')
    .option('-y, --yes', 'same as --worktree')
    .option('--force', 'with --worktree: remove the worktree even with uncommitted changes (they are lost)');
  common(rm);
  rm.addHelpText(
    'after',
    '\nWithout --worktree the worktree is kept and the command to remove it is printed.\nIts branch board/NAME is always kept (it may hold commits): `git branch -D board/NAME` deletes it.',
  );
  rm.action(
    action(async (name: string, opts: RemoveOptions) => {
      const board = openBoard(opts);
      const recorded = readConfig(board).agents[name]?.worktree ?? null;
      const removeTree = Boolean(opts.worktree || opts.yes);
      let path: string | null = null;
      let worktree: typeof import('../../git/worktree.js') | null = null;
      if (recorded) {
        worktree = await import('../../git/worktree.js');
        path = worktree.worktreePath(board, recorded);
        if (removeTree && existsSync(path) && !opts.force) {
          const dirty = await worktree.uncommittedChanges(path);
          if (dirty.length) {
            const shown = dirty
              .slice(0, 10)
              .map((l) => `    ${l}`)
              .join('\n');
            throw conflict(
              `${name}'s worktree ${path} has uncommitted changes (nothing was removed):\n${shown}${dirty.length > 10 ? `\n    … and ${dirty.length - 10} more` : ''}`,
              {
                hint: `commit or stash them in ${path}, or pass --force to remove the worktree anyway (those changes are lost)`,
                data: { worktree: path, changes: dirty },
              },
            );
          }
        }
      }
      await removeAgent(board, name);
      let removed = false;
      if (path && removeTree && worktree) {
        await worktree.removeWorktree(board, path, { force: opts.force });
        removed = true;
      }
      const branch = `board/${name}`;
      if (opts.json) {
        printJson({ name, removed: true, worktree: path, worktree_removed: removed, branch: path ? branch : null });
        return;
      }
      println(`removed agent ${name} from board.yaml`);
      println(
        `its folders .board/inbox/${name}/ and .board/outbox/${name}/ are kept; recados it drops now are refused`,
      );
      if (path && removed)
        println(`removed its worktree ${path}; its branch ${branch} is kept (delete it with: git branch -D ${branch})`);
      else if (path) println(`its worktree ${path} is kept; to remove it: git worktree remove ${shellQuote(path)}`);
    }),
  );
  return agent;
}
