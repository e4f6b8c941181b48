/**
 * How the CLI speaks: JSON on stdout with --json, human text otherwise; errors on stderr with
 * the exit code of their kind; colour only on a terminal and never with NO_COLOR.
 */
import { BoardError, EXIT } from '../core/errors.js';
import { escapeLine } from '../core/escape.js';
import { systemError } from '../core/io-errors.js';

export const useColour = (stream: NodeJS.WriteStream = process.stdout): boolean =>
  Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';

const wrap = (open: number, close: number) => (s: string) => (useColour() ? `\u001b[${open}m${s}\u001b[${close}m` : s);

/** The colour codes `paint` writes: the only escape sequences human output may hold. */
const OWN_CODES: ReadonlySet<string> = new Set(['1', '2', '22', '31', '32', '33', '34', '36', '39']);

/**
 * Every human line leaves through here: terminal controls and bidi overrides in it are
 * escaped (see core/escape.ts); with colour on, the codes `paint` writes are kept.
 */
export function humanText(line: string, stream: NodeJS.WriteStream = process.stdout): string {
  return escapeLine(line, useColour(stream) ? OWN_CODES : null);
}

export const paint = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  blue: wrap(34, 39),
  cyan: wrap(36, 39),
};

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function println(line = ''): void {
  process.stdout.write(humanText(line) + '\n');
}

/** A human line on stderr (escaped like `println`). */
export function eprintln(line: string): void {
  process.stderr.write(humanText(line, process.stderr) + '\n');
}

export function warn(line: string): void {
  eprintln(`board: warning: ${line}`);
}

/** A path relative to the working folder when it is inside it (shorter messages). */
const shortPath = (p: string): string => {
  const cwd = process.cwd();
  return p.startsWith(cwd + '/') ? p.slice(cwd.length + 1) : p;
};

/** Print an error and return the exit code to use. */
export function reportError(e: unknown, json: boolean): number {
  e = systemError(e, shortPath) ?? e; // disk full, read-only, permission: a clear message, no stack
  if (e instanceof BoardError) {
    if (json) {
      process.stderr.write(JSON.stringify({ error: e.toJSON() }) + '\n');
    } else {
      const where =
        e.details.line && e.details.file && !e.message.includes(`line ${e.details.line}`)
          ? ` (line ${e.details.line})`
          : '';
      eprintln(`board: ${e.message}${where}`);
      if (e.details.hint) eprintln(`  hint: ${e.details.hint}`);
    }
    return e.exitCode;
  }
  const err = e as Error;
  if (json)
    process.stderr.write(
      JSON.stringify({ error: { kind: 'internal', exit: 1, message: String(err?.message ?? err) } }) + '\n',
    );
  else process.stderr.write(`board: internal error: ${err?.stack ?? err}\n`);
  return EXIT.internal;
}

/** A text progress bar: `[#####.....] 5/10`. */
export function bar(done: number, total: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const s = '#'.repeat(filled) + '.'.repeat(width - filled);
  return `[${useColour() ? paint.green(s.slice(0, filled)) + paint.dim(s.slice(filled)) : s}] ${done}/${total}`;
}
