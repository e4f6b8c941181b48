import { defineConfig } from 'vitest/config';

/**
 * `npm test`: test/unit (the pure core, in-process), test/e2e (the real binary, watchers,
 * git, tmux, concurrent processes) and test/project (lint, install). The long stress and race
 * rounds run with `npm run test:stress` (vitest.stress.config.ts).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/stress/**', 'node_modules/**'],
    // Tests spawn real processes (board CLI, watchers, git); two cores are the norm here.
    maxWorkers: 2,
    // Deadlines say when to give up on a busy machine, never how fast something must be.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
