/**
 * The package's small public module (`import … from 'recado/api'`), for scripts and the
 * benchmarks (bench/): the few parts of the board they use directly, beside the `board`
 * command. Anything not exported here is internal and may change.
 */
export { AuditLog, type AuditEvent, type AuditResult } from './git/audit.js';
export { Board } from './store/board.js';
export { stage } from './store/atomic.js';
export { loadConfig } from './store/config.js';
export { locateBoard } from './store/locate.js';
export { leaveReceipt } from './store/receipts.js';
