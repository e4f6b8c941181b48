/** .board/run/watcher.json: what the watcher tells other commands (`board status`) about itself. */

import type { Board } from '../store/board.js';

export type HostState = 'starting' | 'running' | 'stopping' | 'stopped';

export interface WatcherState {
  pid: number;
  started: string;
  board: string;
  state: HostState;
  /** When the watcher last saw or did something. */
  last_event: string | null;
  /** Refreshed at least every 10 s while it runs. */
  heartbeat: string;
  delivered: number;
  rejected: number;
  /** Outbox files waiting to become valid recados. */
  waiting: number;
  plugins: string[];
}

export function watcherStateFile(board: Board): string {
  return board.run.watcherState;
}
