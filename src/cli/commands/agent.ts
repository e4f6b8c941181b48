import type { Command } from 'commander';
import { addAgent, listAgents, removeAgent } from '../../store/agents.js';
import { readConfig } from '../../store/mailbox.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { paint, printJson, println } from '../output.js';

interface AddOptions extends CommonOptions {
  role?: string;
}

export function register(program: Command): Command {
  const agent = program
    .command('agent')
    .description('add, list and remove the agents of this board (who can send and receive recados)');

  const add = agent
    .command('add')
    .description('add an agent: records it in board.yaml and creates inbox/NAME/{new,cur} and outbox/NAME')
    .argument('<name>', 'agent name: a-z, 0-9, ".", "_", "-" (all and board are reserved)')
    .option('--role <role>', 'its role: recados to "@ROLE" reach every agent with it (e.g. backend, orchestrator)');
  common(add);
  add
    .addHelpText('after', '\nRunning it again for an existing agent changes nothing but --role, and re-creates missing folders.')
    .action(
      action(async (name: string, opts: AddOptions) => {
        const board = openBoard(opts);
        const r = await addAgent(board, name, { role: opts.role });
        if (opts.json) {
          printJson({ name, added: r.added, updated: r.updated, created: r.created, ...r.config.agents[name] });
          return;
        }
        const role = r.config.agents[name]?.role;
        if (r.added) println(`added agent ${name}${role ? ` (role ${role})` : ''}`);
        else if (r.updated) println(`${name}: role is now ${role ?? 'none'}`);
        else println(`${name} is already an agent${r.created.length ? ` (re-created ${r.created.join(', ')})` : ''}`);
        if (r.added) println(`its inbox: .board/inbox/${name}/new/   its outbox: .board/outbox/${name}/`);
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
    .argument('<name>', 'agent name');
  common(rm);
  rm.action(
    action(async (name: string, opts: CommonOptions) => {
      const board = openBoard(opts);
      await removeAgent(board, name);
      if (opts.json) printJson({ name, removed: true });
      else {
        println(`removed agent ${name} from board.yaml`);
        println(`its folders .board/inbox/${name}/ and .board/outbox/${name}/ are kept; recados it drops now are refused`);
      }
    }),
  );
  return agent;
}
