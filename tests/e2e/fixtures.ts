import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test as base } from '@playwright/test'
import { startServe, type RunningServe } from '../helpers/cli'

/** Every test gets its own `db-taxi serve` with a fresh data dir, stopped after the test. */
export const test = base.extend<{ serve: RunningServe }>({
  // eslint-disable-next-line no-empty-pattern
  serve: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dbt-e2e-'))
    const s = await startServe(['--data-dir', dataDir])
    await use(s)
    await s.stop()
  }
})

export { expect } from '@playwright/test'

export const SCREENSHOTS = join(__dirname, '..', '..', 'test-results', 'screenshots')
