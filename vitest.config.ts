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
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 1 },
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/cluster.global.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // e2e files share one apiserver and two cores; run them a few at a time.
          maxWorkers: 2,
        },
      },
    ],
  },
});
