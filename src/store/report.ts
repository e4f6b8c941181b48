/**
 * How the store and git layers tell their caller something that is not an error: a warning
 * (announcements not sent after a write that stands) or that a wait is long (a lock held by
 * another process). They never write to the terminal themselves: the caller installs a
 * reporter (the CLI at start, src/cli/main.ts: stderr, waits only on a terminal); without one,
 * reports go nowhere.
 */
export interface Report {
  kind: 'warning' | 'waiting';
  message: string;
}

let reporter: (r: Report) => void = () => undefined;

export function setReporter(fn: (r: Report) => void): void {
  reporter = fn;
}

export function report(r: Report): void {
  reporter(r);
}
