/**
 * Counters for benchmarks and tests: how many ticket files a command parsed, how many it
 * took from the derived cache. Printed to stderr at exit when BOARD_STATS=1.
 */
export const stats = { parsed: 0, cached: 0 };

if (process.env.BOARD_STATS === '1') {
  process.on('exit', () => process.stderr.write(`board-stats ${JSON.stringify(stats)}\n`));
}
