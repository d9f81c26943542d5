import { defineConfig } from 'vitest/config';

// .ci/run asks for a JSON report to print the "N passed, N failed" closing line CI reads.
const jsonReport = process.env.KOPF_TS_VITEST_JSON;

export default defineConfig({
  test: {
    ...(jsonReport ? { reporters: ['default', 'json'], outputFile: { json: jsonReport } } : {}),
    projects: [
      {
        test: {
          name: 'unit',
          // Unit tests run first, then the e2e project with its own worker limit.
          sequence: { groupOrder: 0 },
          include: ['test/unit/**/*.test.ts', 'test/generator/**/*.test.ts'],
          // A bound for hangs: the generator's tests that type-check generated projects with tsc take
          // 5–12 s at a load average of 8 and over 60 s at 30–40 (several suites on two cores).
          testTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 1 },
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/cluster.global.ts'],
          // Bounds for hangs, not for speed: at load averages of 30–40 (several suites on two
          // cores), starting `kopf run` alone can take a minute; the waits inside are readiness waits.
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // e2e files share one apiserver and two cores; run them a few at a time.
          maxWorkers: 2,
        },
      },
    ],
  },
});
