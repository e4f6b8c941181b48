// Todone waves on a large board: 10,000 tickets in 1,000 layers (10 per layer, each
// depending on two tickets of the layer before), the first 500 layers done.
// `board waves --json` must stay within 30x a bare `node -e 0` measured in the same run;
// `list --json` and `show` are measured with and without the derived cache, and `close`
// of the tickets of the open wave (the last one opens the next wave and announces it).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, board, sleep, summarize, tempBoard, timeProcess } from './lib.mjs';

export const name = 'waves';
export const title = 'waves, list, show and close on 10,000 tickets in 1,000 layers';
export const notes = `
10,000 tickets in 1,000 layers (each depending on two tickets of the layer before), half of
them done. The graph itself (waves, open wave, readiness) is computed in memory in a few
milliseconds; the rest of a command's time is finding and checking the files (one \`lstat\`
each) and reading the cache. A close loads the board once and derives the state before the
change in memory (\`updateGraph\`: a status change reuses the waves and only adjusts per-wave
counts).
`;

const N = 10_000;
const LAYERS = 1_000;
const PER = N / LAYERS;
const DONE_LAYERS = 500;
const id = (i) => `T-${String(i).padStart(5, '0')}`;

function writeBoard(dir) {
  const tickets = join(dir, '.board', 'tickets');
  const stamp = '2026-11-21T09:00:00Z';
  for (let i = 0; i < N; i++) {
    const layer = Math.floor(i / PER);
    const deps = layer === 0 ? [] : [id((layer - 1) * PER + (i % PER)), id((layer - 1) * PER + ((i + 3) % PER))];
    const text =
      `---\nid: ${id(i)}\ntitle: Ticket ${i} of layer ${layer + 1}\nstatus: ${layer < DONE_LAYERS ? 'done' : 'todo'}\n` +
      `assignee: ${i % 2 ? 'alice' : 'bob'}\ndeps: [${deps.join(', ')}]\npriority: 2\ncreated: ${stamp}\nupdated: ${stamp}\n---\n` +
      `Layer ${layer + 1}, ticket ${i}.\n`;
    writeFileSync(join(tickets, `${id(i)}.md`), text);
  }
  // agents, so that closes announce
  const yamlFile = join(dir, '.board', 'board.yaml');
  writeFileSync(
    yamlFile,
    readFileSync(yamlFile, 'utf8').replace(
      /^agents: \{\}$/m,
      'agents:\n  alice:\n    role: dev\n  bob:\n    role: dev\n  boss:\n    role: orchestrator',
    ),
  );
  for (const a of ['alice', 'bob', 'boss'])
    for (const box of ['new', 'cur']) mkdirSync(join(dir, '.board', 'inbox', a, box), { recursive: true });
}

function timeOnce(args, cwd, extraEnv = {}) {
  const t0 = process.hrtime.bigint();
  board(args, cwd, { extraEnv });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function run() {
  const { dir, cleanup } = tempBoard();
  try {
    const t0 = Date.now();
    writeBoard(dir);
    const writeMs = Date.now() - t0;
    // the derived cache does not keep entries for files changed less than a second ago
    await sleep(1200);
    const first = timeOnce(['waves', '--json'], dir); // parses every file, fills the cache

    const node = timeProcess(process.execPath, ['-e', '0'], { cwd: dir, runs: 15 });
    const waves = timeProcess(process.execPath, [BIN, 'waves', '--json'], { cwd: dir, runs: 10 });
    const wavesNoCache = timeProcess(process.execPath, [BIN, 'waves', '--json'], {
      cwd: dir,
      runs: 3,
      extraEnv: { BOARD_NO_CACHE: '1' },
    });
    const list = timeProcess(process.execPath, [BIN, 'list', '--json'], { cwd: dir, runs: 5 });
    const listNoCache = timeProcess(process.execPath, [BIN, 'list', '--json'], {
      cwd: dir,
      runs: 3,
      extraEnv: { BOARD_NO_CACHE: '1' },
    });
    const show = timeProcess(process.execPath, [BIN, 'show', id(N - 1), '--json'], { cwd: dir, runs: 10 });
    const showNoCache = timeProcess(process.execPath, [BIN, 'show', id(N - 1), '--json'], {
      cwd: dir,
      runs: 3,
      extraEnv: { BOARD_NO_CACHE: '1' },
    });

    const shape = JSON.parse(board(['waves', '--json'], dir).stdout);
    const shapeOk =
      shape.waves.length === LAYERS && shape.open === DONE_LAYERS + 1 && shape.waves.every((w) => w.total === PER);

    // close the open wave ticket by ticket; the last close opens the next wave
    const closes = [];
    for (let i = DONE_LAYERS * PER; i < (DONE_LAYERS + 1) * PER; i++)
      closes.push(timeOnce(['close', id(i), '--as', 'boss'], dir));
    const after = JSON.parse(board(['waves', '--json'], dir).stdout);
    const announced = readdirSync(join(dir, '.board', 'inbox', 'boss', 'new')).filter((f) =>
      f.startsWith(`board-wave-${DONE_LAYERS + 2}-`),
    ).length;

    const ratio = Math.round((waves.p50 / node.p50) * 10) / 10;
    return {
      figures: {
        tickets: N,
        layers: LAYERS,
        write_files_ms: writeMs,
        first_waves_json_ms: Math.round(first),
        node_e0_ms: node,
        waves_json_ms: waves,
        waves_json_no_cache_ms: wavesNoCache,
        list_json_ms: list,
        list_json_no_cache_ms: listNoCache,
        show_ms: show,
        show_no_cache_ms: showNoCache,
        close_ms: summarize(closes),
        waves_json_vs_node: ratio,
      },
      checks: [
        { what: '`board waves --json` p50 / `node -e 0` p50', value: ratio, limit: '<= 30', ok: ratio <= 30 },
        { what: 'waves shape (1,000 waves of 10, wave 501 open)', value: shapeOk, limit: true, ok: shapeOk },
        {
          what: 'closing wave 501 opens wave 502',
          value: after.open,
          limit: DONE_LAYERS + 2,
          ok: after.open === DONE_LAYERS + 2,
        },
        { what: 'wave 502 announced to the orchestrator', value: announced, limit: 1, ok: announced === 1 },
      ],
    };
  } finally {
    cleanup();
  }
}
