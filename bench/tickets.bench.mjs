// Ticket reads at scale: `board list --json` on 1,000 and 10,000 hand-made tickets against
// bare `node -e 0`, with and without the derived cache, and `board show` on 10,000.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, board, env, sleep, tempBoard, timeProcess } from './lib.mjs';

export const name = 'tickets';
export const title = 'list/show at 1,000 and 10,000 tickets vs node -e 0';
export const notes = `
\`board list --json\` reads every ticket file's stat and takes unchanged tickets from the
derived cache (\`.board/run/cache.json\`), so after the first run only changed files are parsed.
Without the cache (\`BOARD_NO_CACHE=1\`, a first run, or a run right after every file changed)
the YAML parser dominates: a few hundred microseconds per ticket in a fresh process, plus
loading gray-matter and yaml; that run rebuilds the cache. \`board show ID\` parses only its
own file (the \`files parsed\` figure, from \`BOARD_STATS=1\`).
`;

/** Write n tickets directly (as agents or a script would), in layers of deps. */
export function writeTickets(dir, n, { layers = 10 } = {}) {
  const tickets = join(dir, '.board', 'tickets');
  mkdirSync(tickets, { recursive: true });
  const perLayer = Math.ceil(n / layers);
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / perLayer);
    const deps = layer > 0 ? [`T-${String((layer - 1) * perLayer + (i % perLayer)).padStart(5, '0')}`] : [];
    const id = `T-${String(i).padStart(5, '0')}`;
    const text = [
      '---',
      `id: ${id}`,
      `title: Ticket number ${i} of the plan`,
      `status: ${i % 7 === 0 ? 'done' : 'todo'}`,
      `assignee: ${['alice', 'bob', 'carol'][i % 3]}`,
      `deps: [${deps.join(', ')}]`,
      `locks: ["src/mod${i % 50}/**"]`,
      `labels: [backend, l${i % 5}]`,
      `priority: ${i % 5}`,
      'created: 2026-11-21T09:00:00Z',
      'updated: 2026-11-21T09:00:00Z',
      '---',
      '## Goal',
      `Do the thing number ${i}.`,
      '',
      '## Acceptance',
      '- [ ] tests pass',
      '- [ ] reviewed',
      '',
    ].join('\n');
    writeFileSync(join(tickets, `${id}.md`), text);
  }
}

function parsedCount(args, cwd, extraEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: env({ BOARD_STATS: '1', ...extraEnv }),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const m = /board-stats (\{.*\})/.exec(r.stderr);
  return m ? JSON.parse(m[1]) : null;
}

export async function run() {
  const figures = {};
  const checks = [];
  const node = timeProcess(process.execPath, ['-e', '0'], { runs: 20 });
  figures['node -e 0 (ms)'] = node;
  figures['board --version (ms)'] = timeProcess(process.execPath, [BIN, '--version'], { runs: 20 });

  for (const [n, limit] of [
    [1000, 4],
    [10000, 30],
  ]) {
    const b = tempBoard();
    try {
      writeTickets(b.dir, n, { layers: 10 });
      await sleep(1100); // let the files age past the cache's racy window
      const runs = n >= 10000 ? 7 : 15;
      const cold = timeProcess(process.execPath, [BIN, 'list', '--json'], {
        cwd: b.dir,
        runs,
        extraEnv: { BOARD_NO_CACHE: '1' },
      });
      board(['list', '--json'], b.dir); // warm the cache
      const warm = timeProcess(process.execPath, [BIN, 'list', '--json'], { cwd: b.dir, runs });
      const id = `T-${String(n - 1).padStart(5, '0')}`;
      const show = timeProcess(process.execPath, [BIN, 'show', id, '--json'], { cwd: b.dir, runs });
      const showParsed = parsedCount(['show', id, '--json'], b.dir);
      figures[`list --json, ${n} tickets, no cache (ms)`] = cold;
      figures[`list --json, ${n} tickets, cache (ms)`] = warm;
      figures[`show ID, ${n} tickets, cache (ms)`] = show;
      figures[`show ID, ${n} tickets: files parsed`] = showParsed;
      checks.push({
        what: `list --json over ${n} tickets (cache) / node -e 0`,
        value: +(warm.p50 / node.p50).toFixed(2),
        limit: `<= ${limit}x`,
        ok: warm.p50 / node.p50 <= limit,
      });
      checks.push({
        what: `list --json over ${n} tickets (no cache) / node -e 0`,
        value: +(cold.p50 / node.p50).toFixed(2),
        limit: `<= ${limit}x`,
        ok: cold.p50 / node.p50 <= limit,
      });
      if (n === 10000) {
        checks.push({
          what: 'show ID on 10,000 tickets parses only its own file',
          value: showParsed?.parsed,
          limit: '1',
          ok: showParsed?.parsed === 1,
        });
      }
    } finally {
      b.cleanup();
    }
  }
  return { figures, checks };
}
