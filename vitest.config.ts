import { defineConfig } from 'vitest/config'

// Two projects so `npm test` can report them separately: unit (pure logic, fakes) and
// integration (real MariaDB, real processes, real files).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node'
        }
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Real servers on 2 cores: a few files at a time, never a stampede.
          maxWorkers: 2,
          globalSetup: ['tests/integration/global-setup.ts']
        }
      }
    ]
  }
})
