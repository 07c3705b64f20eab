/**
 * Two projects, split by cost (CONTRIBUTING.md "Tests"):
 * - unit: pure functions on data in memory (no Git, no servers, no browser, no child process);
 *   `npm run test:fast` runs only this one and stays under 10 s.
 * - full: everything else (real Git repositories, SMTP/IMAP servers, Chromium, the CLI as a process).
 * A test file is in `unit` only when it is listed below; any other file, a new one included, lands in
 * `full`, so `npm test` (both projects) always runs every test.
 */
import { defineConfig } from 'vitest/config';

export const UNIT_TESTS = [
  'test/actor.test.ts',
  'test/calendar.test.ts',
  'test/display.test.ts',
  'test/colours.test.ts',
  'test/documents.test.ts',
  'test/events.test.ts',
  'test/frontmatter.test.ts',
  'test/intake-core.test.ts',
  'test/issue-repository.test.ts',
  'test/lifecycle.test.ts',
  'test/notify-plan.test.ts',
  'test/notify-render.test.ts',
  'test/relations.test.ts',
  'test/site.test.ts',
  'test/text-time.test.ts',
];

const ALL_TESTS = ['lib/**/*.test.ts', 'scripts/**/*.test.ts', 'test/**/*.test.ts', 'site/**/*.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: UNIT_TESTS,
          // Pure tests share no state worth a fresh process each: threads without isolation start fastest.
          pool: 'threads',
          isolate: false,
        },
      },
      {
        test: {
          name: 'full',
          include: ALL_TESTS,
          exclude: UNIT_TESTS,
          // Git- and process-heavy suites share 2 cores; generous timeouts keep them from flaking.
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
    ],
  },
});
