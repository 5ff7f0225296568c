import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import { inject } from 'vitest'
import { DEFAULT_TEST_SERVER, parseMysqlUrl, type ServerAddress } from './mysql-url'

/**
 * Finding a MariaDB for integration tests, in this order:
 *  1. DBT_TEST_MYSQL_URL (mysql://user:pass@host:port), loopback only;
 *  2. 127.0.0.1:3306 as root with an empty password (every session and CI machine has one);
 *  3. a private mariadbd started in a temp dir, when the binaries are installed;
 *  4. otherwise fail, saying how to get one.
 * Each test file then works in its own uniquely named database.
 */

export { parseMysqlUrl, type ServerAddress } from './mysql-url'

export async function canConnect(addr: ServerAddress): Promise<boolean> {
  try {
    const c = await mysql.createConnection({ ...addr, connectTimeout: 3000 })
    await c.query('SELECT 1')
    await c.end()
    return true
  } catch {
    return false
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => resolve(port))
    })
  })
}

export interface PrivateServer extends ServerAddress {
  dataDir: string
  process: ChildProcess
  /** SIGKILL, as a crash would. */
  kill(): void
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>
  stop(): Promise<void>
}

export function mariadbBinariesPresent(): boolean {
  return ['/usr/sbin/mariadbd', '/usr/bin/mariadb-install-db'].every(existsSync) ||
    spawnSync('sh', ['-c', 'command -v mariadbd && command -v mariadb-install-db']).status === 0
}

/**
 * A throwaway mariadbd in a temp dir on a free loopback port, for fault tests and as a fallback.
 * `extraArgs` lets a test pick server defaults (character set, sql_mode, local_infile, TLS).
 */
export async function startPrivateServer(extraArgs: string[] = []): Promise<PrivateServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dbt-mariadb-'))
  // Each server gets its own temp dir: a starting mariadbd deletes every #sql* file in its tmpdir,
  // so two servers sharing /tmp can break each other's work.
  const tmp = join(dataDir, 'tmp')
  mkdirSync(tmp, { recursive: true })
  spawnSync('chown', ['-R', 'mysql:mysql', dataDir])
  const install = spawnSync(
    'mariadb-install-db',
    ['--no-defaults', '--user=mysql', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db'],
    { encoding: 'utf8', env: { ...process.env, TMPDIR: tmp } }
  )
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`)
  spawnSync('chown', ['-R', 'mysql:mysql', dataDir])
  const port = await freePort()
  const args = [
    '--no-defaults',
    '--user=mysql',
    `--datadir=${dataDir}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${join(dataDir, 's.sock')}`,
    `--pid-file=${join(dataDir, 'p.pid')}`,
    `--log-error=${join(dataDir, 'err.log')}`,
    '--innodb-log-file-size=8M',
    '--innodb-buffer-pool-size=64M',
    `--tmpdir=${tmp}`,
    '--local-infile=1',
    ...extraArgs
  ]
  const addr: ServerAddress = { host: '127.0.0.1', port, user: 'root', password: '' }
  let proc: ChildProcess = spawn('mariadbd', args, { stdio: 'ignore' })
  const waitUp = async (): Promise<void> => {
    const until = Date.now() + 30_000
    while (Date.now() < until) {
      if (await canConnect(addr)) return
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`private mariadbd on port ${port} did not start; see ${join(dataDir, 'err.log')}`)
  }
  await waitUp()
  const server: PrivateServer = {
    ...addr,
    dataDir,
    get process() {
      return proc
    },
    kill() {
      proc.kill('SIGKILL')
    },
    async restart() {
      proc = spawn('mariadbd', args, { stdio: 'ignore' })
      await waitUp()
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r))
        proc.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
      }
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
  return server
}


/** Called once by vitest's globalSetup: decides which server the run uses and tells the workers. */
export async function resolveTestServer(): Promise<{ addr: ServerAddress; stop?: () => Promise<void> }> {
  if (process.env.DBT_TEST_MYSQL_URL) {
    const addr = parseMysqlUrl(process.env.DBT_TEST_MYSQL_URL)
    if (!(await canConnect(addr))) throw new Error(`DBT_TEST_MYSQL_URL is set but nothing answers at ${addr.host}:${addr.port}`)
    return { addr }
  }
  const local: ServerAddress = DEFAULT_TEST_SERVER
  if (await canConnect(local)) return { addr: local }
  if (mariadbBinariesPresent()) {
    const server = await startPrivateServer()
    return { addr: server, stop: () => server.stop() }
  }
  throw new Error(
    'Integration tests need MariaDB or MySQL. Set DBT_TEST_MYSQL_URL=mysql://user:pass@127.0.0.1:PORT, ' +
      'run one on 127.0.0.1:3306 with root and an empty password, or install the server binaries ' +
      '(apt-get install mariadb-server) so the tests can start a private one.'
  )
}


/** The server chosen by globalSetup (tests/integration/global-setup.ts). */
export function testServer(): ServerAddress {
  const addr = inject('mysqlServer')
  if (!addr) throw new Error('integration tests must run under vitest --project integration (globalSetup picks the server)')
  return addr
}

/**
 * A fresh database for one test file, named after it plus a random suffix, dropped by `drop()`.
 */
export async function createTestDatabase(label: string): Promise<{ name: string; addr: ServerAddress; drop: () => Promise<void> }> {
  const addr = testServer()
  const name = `dbt_${label.replace(/[^a-z0-9_]/gi, '_').slice(0, 30)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase()
  const c = await mysql.createConnection({ ...addr })
  await c.query(`CREATE DATABASE \`${name}\``)
  await c.end()
  return {
    name,
    addr,
    drop: async () => {
      const d = await mysql.createConnection({ ...addr })
      await d.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await d.end()
    }
  }
}
