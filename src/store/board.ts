/**
 * Where things are inside a board. Every path the board builds from a name or an id goes
 * through here, after the name or id has been checked (no separators, no leading dot), so
 * nothing can point outside `.board/`.
 */
import { join } from 'node:path';
import { checkAgentName, checkTicketId } from '../core/names.js';
import { registerBoardRoot } from './nolink.js';

export const BOARD_DIR_NAME = '.board';

/**
 * Everything under `.board/run/` (git-ignored state of the running board), in one place:
 * every module names its files through `board.run`, none builds a run/ path of its own.
 */
export class RunPaths {
  constructor(readonly dir: string) {}
  /** Recados taken from an outbox or stamped by `board send`, not yet in every inbox. */
  get outgoing() {
    return join(this.dir, 'outgoing');
  }
  /** Receipts of board writes to tickets (store/receipts.ts). */
  get receipts() {
    return join(this.dir, 'receipts');
  }
  /** Journals of refusals in progress (watch/enforce.ts). */
  get enforce() {
    return join(this.dir, 'enforce');
  }
  /** The derived cache of parsed board files (store/cache.ts). */
  get cache() {
    return join(this.dir, 'cache.json');
  }
  /** The waves plugin's state (watch/waves.ts). */
  get waves() {
    return join(this.dir, 'waves.json');
  }
  /** The running watcher: its pid, its state for `board status`, its log, its socket. */
  get watcherPid() {
    return join(this.dir, 'watcher.pid');
  }
  get watcherState() {
    return join(this.dir, 'watcher.json');
  }
  get watcherLog() {
    return join(this.dir, 'watcher.log');
  }
  get watcherSocket() {
    return join(this.dir, 'watcher.sock');
  }
  /** A private git index, or a commit message file, of one process (git/index-file.ts, git/audit.ts). */
  gitIndex(unique: string) {
    return join(this.dir, `git-index-${unique}`);
  }
  commitMessage(unique: string) {
    return join(this.dir, `COMMIT_EDITMSG-${unique}`);
  }
}

export class Board {
  /** Absolute path of the `.board` folder. */
  readonly root: string;
  /** The folder that holds `.board` (normally the repository's top level). */
  readonly repo: string;

  constructor(root: string) {
    this.root = root;
    this.repo = join(root, '..');
    registerBoardRoot(root); // never write through a link inside it (store/nolink.ts)
  }

  get configFile() {
    return join(this.root, 'board.yaml');
  }
  get ticketsDir() {
    return join(this.root, 'tickets');
  }
  get outboxDir() {
    return join(this.root, 'outbox');
  }
  get inboxDir() {
    return join(this.root, 'inbox');
  }
  get rejectedDir() {
    return join(this.root, 'rejected');
  }
  get templatesDir() {
    return join(this.root, 'templates');
  }
  get tmpDir() {
    return join(this.root, 'tmp');
  }
  get locksDir() {
    return join(this.root, 'locks');
  }
  get runDir() {
    return join(this.root, 'run');
  }
  /** The files under run/ (see RunPaths). */
  get run(): RunPaths {
    return new RunPaths(this.runDir);
  }

  ticketFile(id: string): string {
    return join(this.ticketsDir, `${checkTicketId(id)}.md`);
  }
  outbox(agent: string): string {
    return join(this.outboxDir, checkAgentName(agent));
  }
  inboxNew(agent: string): string {
    return join(this.inboxDir, checkAgentName(agent), 'new');
  }
  inboxCur(agent: string): string {
    return join(this.inboxDir, checkAgentName(agent), 'cur');
  }
  /** Live state of agents' conversations (`board up`, hooks): one JSON file per agent. */
  get agentsRunDir() {
    return join(this.runDir, 'agents');
  }
  agentStateFile(agent: string): string {
    return join(this.agentsRunDir, `${checkAgentName(agent)}.json`);
  }
  /** The prompt `board up` started the agent's program with (BOARD_PROMPT_FILE). */
  agentPromptFile(agent: string): string {
    return join(this.agentsRunDir, `${checkAgentName(agent)}.prompt.md`);
  }
  /** Path relative to the repository, for messages. */
  rel(path: string): string {
    return path.startsWith(this.repo + '/') ? path.slice(this.repo.length + 1) : path;
  }
}
