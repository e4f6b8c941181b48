/**
 * Typed errors. Every refusal the board makes is a BoardError with an exit code from the
 * documented table, the file and field it is about (when there is one) and what to do.
 */

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** `io`: the system refused a read or write (disk full, read-only, permission): exit 1, with the path and what to do. */
export type ErrorKind = 'usage' | 'invalid' | 'not_found' | 'conflict' | 'internal' | 'io';

const EXIT_OF: Record<ErrorKind, ExitCode> = {
  usage: EXIT.usage,
  invalid: EXIT.usage,
  not_found: EXIT.notFound,
  conflict: EXIT.conflict,
  internal: EXIT.internal,
  io: EXIT.internal,
};

export interface ErrorDetails {
  /** The file the problem is in, relative to the board when possible. */
  file?: string;
  /** The front-matter field (or option) at fault. */
  field?: string;
  /** 1-based line in the file, when known. */
  line?: number;
  /** What the user should do about it. */
  hint?: string;
  /** Extra machine-readable facts (holder of a claim, tickets on a cycle, …). */
  data?: Record<string, unknown>;
}

export class BoardError extends Error {
  readonly kind: ErrorKind;
  readonly details: ErrorDetails;

  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'BoardError';
    this.kind = kind;
    this.details = details;
  }

  get exitCode(): ExitCode {
    return EXIT_OF[this.kind];
  }

  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind,
      exit: this.exitCode,
      message: this.message,
      ...this.details,
    };
  }
}

export const usageError = (message: string, details?: ErrorDetails) => new BoardError('usage', message, details);
export const invalid = (message: string, details?: ErrorDetails) => new BoardError('invalid', message, details);
export const notFound = (message: string, details?: ErrorDetails) => new BoardError('not_found', message, details);
export const conflict = (message: string, details?: ErrorDetails) => new BoardError('conflict', message, details);
