import type { Command } from 'commander';
import { checkClaimRespected } from '../../core/claims.js';
import { BoardError, usageError } from '../../core/errors.js';
import { checkTicketId } from '../../core/names.js';
import { afterTicketChange } from '../../store/events.js';
import { mutateTicket, loadBoard } from '../../store/tickets.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';
import {
  bodyText, checkedAssignee, checkedIds, checkedPriority, checkedStatus, checkedTitle, fieldOptions, templateText, type FieldOptions,
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
    .option('--rm-dep <ids>', 'remove dependencies (comma-separated)', (v: string, p: string[] = []) => [...p, ...v.split(',').map((s) => s.trim()).filter(Boolean)]);
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
        if (status === 'done') throw usageError('use `board close ID` to mark a ticket done', { hint: 'close checks the claim and ends it' });
        const now = new Date();
        const result = await mutateTicket(
          board,
          id,
          {
            actor,
            now,
            check: (before, after) => {
              if (opts.force) return;
              const p = checkClaimRespected(before, after, actor, now)[0];
              if (p) throw new BoardError(p.kind, p.message, { field: p.field, hint: `${p.hint}; people can use --force`, data: p.data });
            },
          },
          (t, e) => {
            let any = false;
            const set = (k: string, v: unknown) => { e.set(k, v); any = true; };
            if (opts.title !== undefined) set('title', checkedTitle(opts.title));
            if (status !== undefined) set('status', status);
            if (assignee !== undefined) set('assignee', assignee);
            if (priority !== undefined) set('priority', priority);
            if (opts.locks) set('locks', opts.locks);
            if (opts.labels) set('labels', opts.labels);
            if (deps || addDep || rmDep) {
              let next = deps ?? [...t.deps];
              for (const d of addDep ?? []) if (!next.includes(d)) next.push(d);
              next = next.filter((d) => !(rmDep ?? []).includes(d));
              set('deps', next);
            }
            if (body !== undefined) { e.setBody(body.endsWith('\n') || body === '' ? body : body + '\n'); any = true; }
            if (!any) throw usageError('nothing to change', { hint: 'give at least one of --title, --status, --deps, --add-dep, --body, ... (see --help)' });
          },
        );
        if (result.changed) await afterTicketChange(board, result.before, result.after, actor);
        if (opts.json) printJson(loadBoard(board).json(result.after));
        else println(`edited ${id}`);
      }),
    );
}
