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

/** The MariaDB every e2e test uses for its own data (127.0.0.1:3306, root). */
export const MARIADB_ADMIN = { host: '127.0.0.1', port: 3306, user: 'root', password: '' }

/** Drops the test's databases; called from afterAll so nothing is left behind. */
export async function dropDatabases(...names: string[]): Promise<void> {
  const { default: mysql } = await import('mysql2/promise')
  const c = await mysql.createConnection(MARIADB_ADMIN)
  try {
    for (const n of names) await c.query(`DROP DATABASE IF EXISTS \`${n.replace(/`/g, '``')}\``)
  } finally {
    await c.end()
  }
}
