/**
 * Named points where `board watch` can be made to kill itself with SIGKILL, to test that
 * whatever it was doing is finished once, and only once, by the next watcher. Set
 * BOARD_CRASH_AT=<point> in the watcher's environment; unset, this does nothing.
 */
export function crashPoint(name: string): void {
  if (process.env.BOARD_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}
