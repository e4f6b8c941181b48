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
  { name: 'delete', file: 'delete', summary: 'delete a ticket (a ticket file deleted by hand is put back)' },
  { name: 'waves', file: 'waves', summary: 'the plan in waves: tickets and progress of each, the open wave' },
  { name: 'graph', file: 'graph', summary: 'the dependency graph as Mermaid or Graphviz DOT (waves as groups)' },
  {
    name: 'claim',
    file: 'claim',
    summary: 'take a ticket (a lease in your name); exactly one concurrent claimer wins',
  },
  { name: 'renew', file: 'renew', summary: "extend your claim's lease" },
  { name: 'release', file: 'release', summary: 'give a claimed ticket back (status todo)' },
  { name: 'next', file: 'next', summary: 'claim the best ready ticket for you' },
  {
    name: 'check-paths',
    file: 'check-paths',
    summary: "exit 4 when files are reserved by another agent's claimed ticket",
  },
  { name: 'hooks', file: 'hooks', summary: 'install the git pre-commit hook that checks reserved paths' },
  { name: 'doctor', file: 'doctor', summary: 'check every board file and report all problems' },
  { name: 'prompt', file: 'prompt', summary: 'print the text that starts a new conversation for an agent' },
  { name: 'log', file: 'log', summary: 'history of a ticket or of the board, from the git audit branch' },
  { name: 'sync', file: 'sync', summary: 'exchange the board with other clones through a git remote' },
  { name: 'commit', file: 'commit', summary: 'commit board changes to the audit branch now' },
  { name: 'send', file: 'send', summary: 'send a recado to an agent, a list, "all" or "@role" (no watcher needed)' },
  { name: 'inbox', file: 'inbox', summary: 'list your unread recados (--all: every one)' },
  { name: 'read', file: 'read', summary: 'print a recado and mark it read' },
  { name: 'thread', file: 'thread', summary: 'show a conversation (follows reply_to both ways)' },
  { name: 'watch', file: 'watch', summary: 'run the watcher: routes recados, checks edits (--detach, --stop)' },
  { name: 'agent', file: 'agent', summary: 'add, list and remove agents (their inbox, outbox and worktree)' },
  {
    name: 'status',
    file: 'status',
    summary: "waves, each agent's claims, leases, unread recados and activity, the watcher",
  },
  { name: 'hook', file: 'hook', summary: 'unread recados for a Claude Code hook (board hook claude --as NAME)' },
  {
    name: 'integrate',
    file: 'integrate',
    summary: "merge closed tickets' work into the integration branch, in wave order, checked",
  },
  {
    name: 'update',
    file: 'update',
    summary: 'bring a worktree up to date with the integration branch (merge, never rebase)',
  },
  { name: 'web', file: 'web', summary: 'serve the live board in a browser (tickets, agents, recados, graph, actions)' },
  {
    name: 'up',
    file: 'up',
    summary: "start agents' programs in tmux (one window each, in its worktree, with its prompt and hooks)",
  },
  { name: 'down', file: 'down', summary: 'stop agents started by board up (--release: give their claims back)' },
  { name: 'peek', file: 'peek', summary: "print the last lines of an agent's screen" },
  { name: 'attach', file: 'attach', summary: "focus an agent's tmux window" },
  { name: 'wait', file: 'wait', summary: 'block until a recado arrives for you or a ticket becomes ready for you' },
  { name: 'review', file: 'review', summary: 'hand a ticket to a reviewer (--to NAME) or send it back (--back)' },
  {
    name: 'mcp',
    file: 'mcp',
    summary:
      'serve the board as a small MCP server over stdio (tools: inbox, read, send, next, claim, close, show, status)',
  },
  {
    name: 'demo',
    file: 'demo',
    summary: 'a whole run in a temporary repository: watcher, three simulated agents, three waves',
  },
];
