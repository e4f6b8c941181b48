/**
 * Counters for benchmarks and tests: how many ticket files a command parsed, how many it
 * took from the derived cache. The CLI prints them to stderr at exit when BOARD_STATS=1
 * (src/cli/main.ts).
 */
export const stats = { parsed: 0, cached: 0 };
