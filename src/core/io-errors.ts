/**
 * When the system refuses a read or a write (disk full, quota, read-only file system, no
 * permission): a clear BoardError naming the path and what to do, instead of a stack trace.
 * Pure: looks only at the error object node:fs threw (its `code`, `path`, `dest`).
 */
import { BoardError } from './errors.js';

const WHAT: Record<string, { said: string; hint: string }> = {
  ENOSPC: { said: 'no space left on the disk', hint: 'free some space on that disk, then run the command again' },
  EDQUOT: {
    said: 'the disk quota is used up',
    hint: 'free some space (or have the quota raised), then run the command again',
  },
  EROFS: {
    said: 'the file system is read-only',
    hint: 'remount it read-write (or work from a writable copy), then run the command again',
  },
  EACCES: {
    said: 'permission denied',
    hint: 'make the folder writable for this user (chmod u+w / chown), then run the command again',
  },
  EPERM: {
    said: 'operation not permitted',
    hint: "check the file's owner and flags (chattr, immutable files), then run the command again",
  },
  EMFILE: { said: 'too many open files', hint: 'raise the open-file limit (ulimit -n), then run the command again' },
  EIO: { said: 'input/output error', hint: 'check the disk (dmesg), then run the command again' },
};

/** The error codes `systemError` turns into a clear refusal. */
export const SYSTEM_CODES: ReadonlySet<string> = new Set(Object.keys(WHAT));

/**
 * A BoardError (kind `io`, exit 1) for an error the system gave on a file, or null when `e`
 * is not one of those. `rel` shortens paths for the message (e.g. relative to the repository).
 */
export function systemError(e: unknown, rel: (p: string) => string = (p) => p): BoardError | null {
  if (e instanceof BoardError) return null;
  const err = e as NodeJS.ErrnoException & { dest?: string };
  const code = typeof err?.code === 'string' ? err.code : undefined;
  if (!code || !(code in WHAT)) return null;
  const w = WHAT[code];
  const path = typeof err.path === 'string' ? rel(err.path) : undefined;
  const dest = typeof err.dest === 'string' ? rel(err.dest) : undefined;
  // a rename or link: the file being made is what could not be written
  const where = dest ?? path ?? 'a file';
  return new BoardError('io', `cannot write ${where}: ${w.said} (${code}${err.syscall ? `, ${err.syscall}` : ''})`, {
    file: dest ?? path,
    hint: w.hint,
    data: { code, ...(err.syscall ? { syscall: err.syscall } : {}) },
  });
}
