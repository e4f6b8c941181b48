/**
 * The command table: name, module file under commands/, and the one-line summary shown by
 * `board --help`. Only the module of the command being run is loaded.
 */
export interface CommandEntry {
  name: string;
  file: string;
  summary: string;
}

export const COMMANDS: CommandEntry[] = [
  { name: 'init', file: 'init', summary: 'create a board (.board/) in this repository' },
  { name: 'new', file: 'new', summary: 'create a ticket; prints its id' },
  { name: 'list', file: 'list', summary: 'list tickets, with filters' },
  { name: 'show', file: 'show', summary: 'show one ticket with its derived fields' },
  { name: 'edit', file: 'edit', summary: 'change fields or the body of a ticket' },
  { name: 'close', file: 'close', summary: 'mark a ticket done (or cancelled) and end its claim' },
  { name: 'reopen', file: 'reopen', summary: 'put a done or cancelled ticket back to todo' },
  { name: 'doctor', file: 'doctor', summary: 'check every board file and report all problems' },
  { name: 'send', file: 'send', summary: 'send a recado to an agent, a list, "all" or "@role" (no watcher needed)' },
  { name: 'inbox', file: 'inbox', summary: 'list your unread recados (--all: every one)' },
  { name: 'read', file: 'read', summary: 'print a recado and mark it read' },
  { name: 'thread', file: 'thread', summary: 'show a conversation (follows reply_to both ways)' },
  { name: 'watch', file: 'watch', summary: 'run the watcher: routes recados, checks edits (--detach, --stop)' },
  { name: 'agent', file: 'agent', summary: 'add, list and remove agents (their inbox and outbox)' },
];
