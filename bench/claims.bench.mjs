// Claims under contention: 50 concurrent `board claim` processes on one ticket, 20 rounds.
// Each round must have exactly one winner and 49 exit-4 answers. Reports, per round, the
// time until all 50 answered and the p50/p99 of the individual answers (spawn to exit).
import { spawn } from 'node:child_process';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { BIN, board, env, summarize, tempBoard } from './lib.mjs';

export const name = 'claims';
export const title = '50 concurrent claimers of one ticket, 20 rounds: exactly one winner';
export const notes = `
50 \`board claim\` processes started at once on one ticket, round after round: exactly one
winner and 49 refusals (exit 4, each naming the winner) every round. A refused claim process
costs about one Node start-up and a YAML parse, so a round is bounded by starting 50
processes on the machine's cores, not by waiting on the lock (a claimer that sees the ticket
already held answers without queueing).
`;

const CLAIMERS = 50;
const ROUNDS = 20;

function claimer(cwd, id, who) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [BIN, 'claim', id, '--as', who], {
      cwd,
      env: env(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ who, code, ms: Number(process.hrtime.bigint() - t0) / 1e6, stderr }));
  });
}

export async function run() {
  const b = tempBoard();
  const rounds = [];
  let exactlyOne = 0;
  let loserMessages = 0;
  let single;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const id = board(['new', `contended ${r}`, '--as', 'bench'], b.dir).stdout.trim();
      const t0 = process.hrtime.bigint();
      const results = await Promise.all(Array.from({ length: CLAIMERS }, (_, i) => claimer(b.dir, id, `agent${i}`)));
      const all = Number(process.hrtime.bigint() - t0) / 1e6;
      const winners = results.filter((x) => x.code === 0);
      const losers = results.filter((x) => x.code === 4);
      const holder = JSON.parse(board(['show', id, '--json'], b.dir).stdout).claim?.by;
      if (winners.length === 1 && losers.length === CLAIMERS - 1 && holder === winners[0].who) exactlyOne++;
      loserMessages += losers.filter((x) => x.stderr.includes(`is claimed by ${holder} since`)).length;
      const s = summarize(results.map((x) => x.ms));
      rounds.push({
        round: r + 1,
        winners: winners.length,
        exit4: losers.length,
        all_answered_ms: Math.round(all),
        p50_ms: Math.round(s.p50),
        p99_ms: Math.round(s.p99),
      });
    }
    // one claim process alone (a refused one), for scale: 50 of them need 50 x its CPU time
    const held = board(['new', 'held', '--as', 'bench'], b.dir).stdout.trim();
    board(['claim', held, '--as', 'holder'], b.dir);
    const times = [];
    for (let i = 0; i < 11; i++) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [BIN, 'claim', held, '--as', 'other'], {
        cwd: b.dir,
        env: env(),
        stdio: 'ignore',
      });
      if (r.status !== 4) throw new Error(`a refused claim exited ${r.status}`);
      if (i > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    single = summarize(times);
  } finally {
    b.cleanup();
  }
  const allAnswered = summarize(rounds.map((x) => x.all_answered_ms));
  return {
    figures: {
      rounds,
      'time until all 50 answered, over rounds (ms)': allAnswered,
      'answer p50 per round, median over rounds (ms)': summarize(rounds.map((x) => x.p50_ms)).p50,
      'answer p99 per round, median over rounds (ms)': summarize(rounds.map((x) => x.p99_ms)).p50,
      'one refused claim process alone (ms)': single,
      cpus: os.cpus().length,
    },
    checks: [
      {
        what: 'rounds with exactly 1 winner and 49 x exit 4',
        value: exactlyOne,
        limit: `${ROUNDS} of ${ROUNDS}`,
        ok: exactlyOne === ROUNDS,
      },
      {
        what: 'losers told who holds the ticket',
        value: loserMessages,
        limit: `${ROUNDS * (CLAIMERS - 1)}`,
        ok: loserMessages === ROUNDS * (CLAIMERS - 1),
      },
    ],
  };
}
