import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code (no broker), and integration tests in test/ that
// talk to the real local stack (Kafka + schema registry started by deploy/local/stack-up.sh).
// The "source" condition makes workspace libs resolve to their TypeScript sources, so tests need no build.
const resolve = { conditions: ['source', 'import', 'node', 'default'] };

export default defineConfig({
  resolve,
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    projects: [
      {
        resolve,
        ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
        test: {
          name: 'unit',
          include: ['{apps,libs}/*/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        resolve,
        ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Integration tests share one broker and registry on fixed ports: run files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
