/**
 * What the board says when it refuses a hand edit of a ticket: the `.reason` file kept beside
 * the refused text in rejected/, and the recado its author gets. Pure text; the watcher
 * (watch/enforce.ts) decides and acts.
 */
import { fixedRecadoId } from './fixed-id.js';
import type { EditRule, EditViolation } from './edits.js';

export const RULE_WORDS: Record<EditRule, string> = {
  unparsable: 'the front-matter does not parse',
  invalid_field: 'an invalid field',
  unknown_status: 'an unknown status',
  id_mismatch: 'the id does not match the file name',
  claim_respected: 'the ticket is claimed by someone else',
  claim_by_hand: 'a claim written by hand',
  work_by_hand: 'recorded work or integration state written by hand',
  done_with_open_deps: 'done while a dependency is open',
  dependency_cycle: 'a dependency cycle',
  unknown_dependency: 'an unknown dependency',
};

export interface Refusal {
  /** The ticket. */
  id: string;
  /** Its file, relative to the repository. */
  file: string;
  /** Who is held responsible (updated_by, else the claim holder, else the assignee), or null. */
  author: string | null;
  violations: EditViolation[];
  /**
   * restored: the last valid version is back in place; removed: a new file with no valid
   * version was taken out of tickets/; left: the file had changed again by then (the newer
   * version is checked on its own), so nothing was put back.
   */
  action: 'restored' | 'removed' | 'left';
  /** Where the refused text is kept, relative to the repository. */
  kept: string;
  /** The version put back (when restored). */
  restored?: { updated: string | null; updated_by: string | null };
  /** Only these fields were put back; the rest of the edit stays in place. */
  partial?: string[];
  /**
   * The refused hand edit was found under a board write made on top of it before the watcher
   * checked it: who made that board write (it is undone with it).
   */
  boardWrite?: string;
}

const q = (s: string) => JSON.stringify(s);

/** The `.reason` file (YAML). */
export function refusalReason(r: Refusal, at: string): string {
  const first = r.violations[0];
  const lines = [
    `reason: ${q(first.message)}`,
    `rule: ${first.rule}`,
    `field: ${q(first.field)}`,
    first.hint ? `hint: ${q(first.hint)}` : null,
    r.author ? `author: ${r.author}` : 'author: null',
    `file: ${q(r.file)}`,
    `ticket: ${q(r.id)}`,
    `action: ${r.action}`,
    r.partial?.length ? `restored_fields: [${r.partial.join(', ')}]` : null,
    r.boardWrite ? `board_write_by: ${q(r.boardWrite)}` : null,
    `at: ${at}`,
    'violations:',
    ...r.violations.flatMap((v) => [
      `  - rule: ${v.rule}`,
      `    field: ${q(v.field)}`,
      `    message: ${q(v.message)}`,
      ...(v.hint ? [`    hint: ${q(v.hint)}`] : []),
    ]),
  ];
  return lines.filter((l) => l !== null).join('\n') + '\n';
}

/** The recado to the author. */
export function refusalNotice(r: Refusal): { subject: string; body: string } {
  const first = r.violations[0];
  const subject = `${r.id}: your edit was ${r.action === 'left' ? 'refused' : 'undone'} (${RULE_WORDS[first.rule]})`;
  const what = r.boardWrite
    ? `A board command (by ${r.boardWrite}) wrote ${r.file} on top of a hand edit${r.author ? ` by ${r.author}` : ''} that the watcher had not checked yet. That hand edit breaks the rules of the board, so it was refused:`
    : `Your edit of ${r.file} breaks the rules of the board, so it was refused:`;
  const list = r.violations.flatMap((v) => [
    `- ${v.field}: ${v.message}`,
    ...(v.hint ? [`  what to do: ${v.hint}`] : []),
  ]);
  const done =
    r.action === 'restored' && r.partial?.length
      ? `Only ${r.partial.join(', ')} ${r.partial.length === 1 ? 'is' : 'are'} back to the last valid values${r.restored?.updated ? ` (updated ${r.restored.updated}${r.restored.updated_by ? ` by ${r.restored.updated_by}` : ''})` : ''}; the rest of your edit stays in the ticket.`
      : r.action === 'restored'
        ? `The ticket is back to its last valid version${r.restored?.updated ? ` (updated ${r.restored.updated}${r.restored.updated_by ? ` by ${r.restored.updated_by}` : ''})` : ''}.`
        : r.action === 'removed'
          ? `${r.file} was a new file with no valid version, so it was taken out of tickets/.`
          : `${r.file} had changed again by the time the watcher looked, so it was left as it is now (that version is checked on its own).`;
  const body = [
    what,
    '',
    ...list,
    '',
    done,
    ...(r.boardWrite && r.action === 'restored'
      ? [`The board command on top of it was undone with it: ${r.boardWrite}, run it again.`]
      : []),
    `${r.boardWrite ? 'The hand edit' : 'Your text'} is kept, byte for byte, in ${r.kept} (the reason beside it in ${r.kept}.reason).`,
    'Nothing of it is lost: copy what you need from there and make the change again within the rules.',
    'Claims, releases and closing go through the board: board claim / renew / release / close ID --as NAME.',
    '',
  ].join('\n');
  return { subject, body };
}

/** A fixed recado id for the refusal kept as `keptName` (so a watcher restarted half-way tells once). */
export function refusalRecadoId(keptName: string): string {
  return fixedRecadoId('refused', [keptName]);
}

/** The name a refused version of ticket `id` is kept under in rejected/ (before any `-N` to make it unique). */
export function refusalFileName(id: string, at: Date, n = 0): string {
  const t = at.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${t}-${id}${n ? `-${n}` : ''}.md`;
}
