/**
 * Where things are inside a board. Every path the board builds from a name or an id goes
 * through here, after the name or id has been checked (no separators, no leading dot), so
 * nothing can point outside `.board/`.
 */
import { join } from 'node:path';
import { checkAgentName, checkTicketId } from '../core/names.js';
import { registerBoardRoot } from './nolink.js';

export const BOARD_DIR_NAME = '.board';

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

  get configFile() { return join(this.root, 'board.yaml'); }
  get ticketsDir() { return join(this.root, 'tickets'); }
  get outboxDir() { return join(this.root, 'outbox'); }
  get inboxDir() { return join(this.root, 'inbox'); }
  get rejectedDir() { return join(this.root, 'rejected'); }
  get templatesDir() { return join(this.root, 'templates'); }
  get tmpDir() { return join(this.root, 'tmp'); }
  get locksDir() { return join(this.root, 'locks'); }
  get runDir() { return join(this.root, 'run'); }

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
  /** Path relative to the repository, for messages. */
  rel(path: string): string {
    return path.startsWith(this.repo + '/') ? path.slice(this.repo.length + 1) : path;
  }
}
