import type { Command } from 'commander';
import { checkTicketId } from '../../core/names.js';
import { edit } from '../../ops/tickets.js';
import { loadBoard } from '../../store/tickets.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';
import {
  bodyText,
  checkedAssignee,
  checkedIds,
  checkedPriority,
  checkedStatus,
  checkedTitle,
  fieldOptions,
  templateText,
  type FieldOptions,
} from '../ticket-options.js';
import { parseFrontmatter } from '../../store/frontmatter.js';

interface Options extends CommonOptions, FieldOptions {
  force?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('edit')
    .description('change fields or the body of a ticket (comments and unknown fields are kept)')
    .argument('<id>', 'ticket id')
    .option('--title <title>', 'new title')
    .option('--rm-dep <ids>', 'remove dependencies (comma-separated)', (v: string, p: string[] = []) => [
      ...p,
      ...v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ]);
  fieldOptions(cmd);
  cmd.option('--force', 'change status or assignee even while another agent holds the claim (for people)');
  common(cmd, { as: true });
  return cmd
    .addHelpText('after', '\nExample: board edit T-4k9x --add-dep T-2b7q --labels backend,api --as alice')
    .action(
      action(async (id: string, opts: Options) => {
        checkTicketId(id);
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const status = checkedStatus(opts.status);
        const assignee = checkedAssignee(opts.assignee);
        const priority = checkedPriority(opts.priority);
        const deps = checkedIds(opts.deps, 'dependency');
        const addDep = checkedIds(opts.addDep, 'dependency');
        const rmDep = checkedIds(opts.rmDep, 'dependency');
        let body = bodyText(opts.body);
        if (opts.template) body = parseFrontmatter(templateText(board, opts.template), opts.template).body;
        const result = await edit(
          board,
          id,
          {
            title: checkedTitle(opts.title),
            status,
            assignee,
            priority,
            locks: opts.locks,
            labels: opts.labels,
            deps,
            addDep,
            rmDep,
            body,
          },
          { actor, force: opts.force },
        );
        if (opts.json) printJson(loadBoard(board).json(result.after));
        else println(`edited ${id}`);
      }),
    );
}
