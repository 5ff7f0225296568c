/**
 * The test server's address from DBT_TEST_MYSQL_URL (mysql://user:pass@host:port), loopback only.
 * A module of its own, free of vitest, so the Playwright tests (tests/e2e) read the same setting.
 */
export interface ServerAddress {
  host: string
  port: number
  user: string
  password: string
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/

export function parseMysqlUrl(url: string): ServerAddress {
  const u = new URL(url)
  if (u.protocol !== 'mysql:') throw new Error(`DBT_TEST_MYSQL_URL must start with mysql://`)
  const host = u.hostname.replace(/^\[|\]$/g, '')
  if (!LOOPBACK.test(host)) throw new Error(`tests only talk to loopback addresses; DBT_TEST_MYSQL_URL names ${host}`)
  return {
    host,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password)
  }
}

/** Every machine of this kind runs one here (README: running the tests). */
export const DEFAULT_TEST_SERVER: ServerAddress = { host: '127.0.0.1', port: 3306, user: 'root', password: '' }
