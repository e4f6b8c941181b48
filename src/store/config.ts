/**
 * Reading and editing board.yaml. Reads go through the derived cache (so most commands never
 * load the YAML parser); edits go through a yaml Document under the board lock, keeping the
 * user's comments and order.
 */
import { lstatSync } from 'node:fs';
import type { Document } from 'yaml';
import { configFromData, type BoardConfig } from '../core/config.js';
import { writeAtomic } from './atomic.js';
import type { Board } from './board.js';
import { DerivedCache } from './cache.js';
import { parseYamlDocument, YAML_STRINGIFY, MAX_ALIASES } from './frontmatter.js';
import { withLock } from './lock.js';
import { readBoardFile } from './read.js';
import { invalid } from '../core/errors.js';

function parseConfigText(text: string, display: string): { data: Record<string, unknown>; doc: Document } {
  const doc = parseYamlDocument(text);
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw invalid(
      `${display}: invalid YAML${e.linePos ? ` at line ${e.linePos[0].line}` : ''}: ${e.message.split('\n')[0]}`,
      {
        file: display,
        line: e.linePos?.[0]?.line,
      },
    );
  }
  const data = (doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {}) as Record<string, unknown>;
  if (typeof data !== 'object' || Array.isArray(data))
    throw invalid(`${display}: must be a map of settings`, { file: display });
  return { data, doc };
}

/** board.yaml read and checked now, without the derived cache (long-running processes, one-off reads). */
export function readConfig(board: Board): BoardConfig {
  const display = board.rel(board.configFile);
  return configFromData(parseConfigText(readBoardFile(board.configFile, { display }), display).data, display);
}

/** board.yaml's settings as parsed, unchecked (for derived indexes that store them). */
export function readConfigData(board: Board): Record<string, unknown> {
  const display = board.rel(board.configFile);
  return parseConfigText(readBoardFile(board.configFile, { display }), display).data;
}

/** board.yaml through the derived cache (commands that read the whole board anyway). */
export function loadConfig(board: Board, cache?: DerivedCache): BoardConfig {
  const display = board.rel(board.configFile);
  const c = cache ?? DerivedCache.load(board);
  const st = lstatSync(board.configFile, { bigint: true });
  const hit = c.get<Record<string, unknown>>('board.yaml', st);
  if (hit) return configFromData(hit, display);
  const { data } = parseConfigText(readBoardFile(board.configFile, { display }), display);
  const config = configFromData(data, display);
  c.set('board.yaml', st, data);
  if (!cache) c.save(false);
  return config;
}

/** Edit board.yaml under the board lock; `fn` changes the Document in place. */
export async function mutateConfig(
  board: Board,
  fn: (doc: Document, config: BoardConfig) => void,
): Promise<BoardConfig> {
  return withLock(board, 'board.yaml', () => {
    const display = board.rel(board.configFile);
    const { data, doc } = parseConfigText(readBoardFile(board.configFile, { display }), display);
    fn(doc, configFromData(data, display));
    const text = doc.toString(YAML_STRINGIFY);
    const next = parseConfigText(text, display);
    const config = configFromData(next.data, display);
    writeAtomic(board.tmpDir, board.configFile, text);
    return config;
  });
}
