import type { Command } from 'commander';
import { checkTicketId } from '../../core/names.js';
import { create } from '../../ops/tickets.js';
import { loadBoard } from '../../store/tickets.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';
import {
  bodyText,
  checkedAssignee,
  defaultTemplate,
  checkedIds,
  checkedPriority,
  checkedStatus,
  checkedTitle,
  fieldOptions,
  templateText,
  type FieldOptions,
} from '../ticket-options.js';

interface Options extends CommonOptions, FieldOptions {
  id?: string;
}

export function register(program: Command): Command {
  const cmd = program
    .command('new')
    .description('create a ticket; prints the new id alone on stdout (--json: the ticket)')
    .argument('<title>', 'the ticket title')
    .option('--id <id>', 'use this id instead of a generated one (e.g. AUTH-12)');
  fieldOptions(cmd);
  common(cmd, { as: true });
  return cmd
    .addHelpText('after', '\nExample: board new "Login API" --deps T-2b7q --locks "src/auth/**" --assignee alice')
    .action(
      action(async (title: string, opts: Options) => {
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const deps = [...(checkedIds(opts.deps, 'dependency') ?? []), ...(checkedIds(opts.addDep, 'dependency') ?? [])];
        const ticket = await create(
          board,
          {
            id: opts.id !== undefined ? checkTicketId(opts.id) : undefined,
            title: checkedTitle(title),
            status: checkedStatus(opts.status),
            assignee: checkedAssignee(opts.assignee),
            deps: opts.deps || opts.addDep ? deps : undefined,
            locks: opts.locks,
            labels: opts.labels,
            priority: checkedPriority(opts.priority),
            body: bodyText(opts.body),
            template: opts.template ? templateText(board, opts.template) : defaultTemplate(board),
          },
          { actor },
        );
        if (opts.json) printJson(loadBoard(board).json(ticket));
        else println(ticket.id);
      }),
    );
}
