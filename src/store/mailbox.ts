/**
 * Recados on disk, one module per job under store/mail/: paths (run/outgoing and its file
 * names), deliver (the exactly-once delivery protocol), send (`board send`, the board's
 * notices), route (the watcher's outbox route, bounces, rejected/), inbox (reading), thread,
 * doctor. This file only gathers them, so callers import one place.
 */
export { readConfig } from './config.js';
export { fastFrontmatter, parseRecadoText, renderRecado, yamlString } from './recado-text.js';
export * from './mail/paths.js';
export * from './mail/deliver.js';
export * from './mail/send.js';
export * from './mail/route.js';
export * from './mail/inbox.js';
export * from './mail/thread.js';
export * from './mail/doctor.js';
