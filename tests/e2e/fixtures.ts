import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test as base } from '@playwright/test'
import { startServe, type RunningServe } from '../helpers/cli'
import { DEFAULT_TEST_SERVER, parseMysqlUrl, type ServerAddress } from '../helpers/mysql-url'

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

/**
 * The MariaDB every e2e test uses for its own data: DBT_TEST_MYSQL_URL when set (loopback only), else
 * 127.0.0.1:3306 as root, as for the integration tests. Specs create their connections from it.
 */
export const MARIADB_ADMIN: ServerAddress = process.env.DBT_TEST_MYSQL_URL ? parseMysqlUrl(process.env.DBT_TEST_MYSQL_URL) : DEFAULT_TEST_SERVER

/** The same server as a connections.create payload's endpoint fields. */
export const MARIADB_ENDPOINT = { host: MARIADB_ADMIN.host, port: MARIADB_ADMIN.port, user: MARIADB_ADMIN.user, password: MARIADB_ADMIN.password }

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
