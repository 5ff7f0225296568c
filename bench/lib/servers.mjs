// Private MariaDB servers for the benchmark: initialised in a temp dir, bound to loopback on a free port,
// stopped and deleted at the end. Commands follow docs (design notes section 4): --no-defaults so nothing
// from /etc/mysql leaks in, and socket/pid/log inside the datadir.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import mysql from 'mysql2/promise'
import { killGroup, spawnTracked, tail } from './proc.mjs'

export const HOST = '127.0.0.1'
// As root (these machines), mariadbd must switch to the mysql user; as anyone else it runs as that user.
const AS_ROOT = process.getuid?.() === 0
const USER_ARGS = AS_ROOT ? ['--user=mysql'] : []

/** A free TCP port on loopback (the OS picks one; a tiny race with other programs is acceptable here). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, HOST, () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** mariadb-install-db once into `dir`; servers then start from copies of it (saves seconds per server). */
export function initTemplate(dir) {
  mkdirSync(dir, { recursive: true })
  const r = spawnSync(
    'mariadb-install-db',
    ['--no-defaults', ...USER_ARGS, `--datadir=${dir}`, '--auth-root-authentication-method=normal', '--skip-test-db'],
    { encoding: 'utf8' }
  )
  if (r.status !== 0) throw new Error(`mariadb-install-db failed: ${tail(r.stderr || r.stdout, 5)}`)
  if (AS_ROOT) spawnSync('chown', ['-R', 'mysql:mysql', dir])
}

export class PrivateServer {
  /**
   * @param {string} name     label for messages
   * @param {string} datadir  where the server lives (created from the template)
   * @param {string[]} args   server options on top of the fixed ones (buffer pool, charset, local-infile, ...)
   */
  constructor(name, datadir, args) {
    this.name = name
    this.datadir = datadir
    this.args = args
    this.port = 0
    this.child = null
    this.exited = null
  }

  url(db = '') {
    return `mysql://root@${HOST}:${this.port}/${db}`
  }

  /** Client arguments for the command-line tools (TCP on loopback, like db-taxi: same path for everyone). */
  cliArgs() {
    return ['-h', HOST, '-P', String(this.port), '-u', 'root']
  }

  async createFrom(template) {
    const r = spawnSync('cp', ['-a', template, this.datadir])
    if (r.status !== 0) throw new Error(`copying the datadir template failed: ${r.stderr}`)
  }

  async start(extraArgs = []) {
    this.extraArgs = extraArgs
    this.port = await freePort()
    const d = this.datadir
    const args = [
      '--no-defaults',
      ...USER_ARGS,
      `--datadir=${d}`,
      `--port=${this.port}`,
      `--bind-address=${HOST}`,
      `--socket=${join(d, 's.sock')}`,
      `--pid-file=${join(d, 'p.pid')}`,
      `--log-error=${join(d, 'err.log')}`,
      ...this.args,
      ...extraArgs
    ]
    this.child = spawnTracked('mariadbd', args, { stdio: 'ignore' })
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })))
    let gone = null
    this.exited.then((x) => (gone = x))
    // Ready when a client can connect; a server that died on start explains itself in err.log.
    const deadline = Date.now() + 60_000
    for (;;) {
      if (gone) throw new Error(`${this.name} server exited on start (${gone.code ?? gone.signal}): ${this.errLogTail()}`)
      try {
        const c = await mysql.createConnection({ host: HOST, port: this.port, user: 'root' })
        await c.end()
        return
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`${this.name} server did not accept connections in 60 s: ${err.message}`)
        await sleep(100)
      }
    }
  }

  /** Stop and start again with the same options (a new port: callers read .port/.url() afresh). */
  async restart() {
    await this.stop()
    await this.start(this.extraArgs)
  }

  errLogTail() {
    const f = join(this.datadir, 'err.log')
    return existsSync(f) ? tail(readFileSync(f, 'utf8'), 4) : '(no err.log)'
  }

  /** Clean shutdown (SIGTERM), escalating to SIGKILL if the server does not stop in time. */
  async stop(timeoutMs = 60_000) {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return
    killGroup(this.child.pid, 'SIGTERM')
    const done = await Promise.race([this.exited, sleep(timeoutMs).then(() => null)])
    if (!done) {
      killGroup(this.child.pid, 'SIGKILL')
      await this.exited
    }
  }

  /** Stop now, synchronously (process 'exit' handler: no awaiting there). */
  killNow() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) killGroup(this.child.pid, 'SIGKILL')
  }

  connect(extra = {}) {
    return mysql.createConnection({ host: HOST, port: this.port, user: 'root', charset: 'utf8mb4', ...extra })
  }

  async query(sql, params) {
    const c = await this.connect()
    try {
      const [rows] = await c.query(sql, params)
      return rows
    } finally {
      await c.end()
    }
  }

  /**
   * Let InnoDB write back the dirty pages of earlier work (generation, a previous load) before the next
   * tool starts, so no tool pays for its predecessor's background flushing. For the wait only, the page
   * cleaner is told to flush everything (max_dirty_pages_pct=0) as fast as the disk allows (io_capacity
   * up; the default 200 pages/s needs half a minute for 1M rows); the settings are restored before the
   * next measurement. The wait is bounded; the benchmark goes on regardless.
   */
  async settle(maxMs = 60_000) {
    const c = await this.connect()
    try {
      const [[saved]] = await c.query(
        'SELECT @@GLOBAL.innodb_max_dirty_pages_pct AS pct, @@GLOBAL.innodb_io_capacity AS io, @@GLOBAL.innodb_io_capacity_max AS iomax'
      )
      await c.query('SET GLOBAL innodb_io_capacity_max = 100000')
      await c.query('SET GLOBAL innodb_io_capacity = 50000')
      await c.query('SET GLOBAL innodb_max_dirty_pages_pct = 0')
      const deadline = Date.now() + maxMs
      let dirty = Infinity
      try {
        while (Date.now() < deadline) {
          const [rows] = await c.query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'")
          dirty = Number(rows[0].Value)
          if (dirty < 64) break
          await sleep(100)
        }
      } finally {
        await c.query('SET GLOBAL innodb_max_dirty_pages_pct = ?', [saved.pct])
        await c.query('SET GLOBAL innodb_io_capacity = ?', [saved.io])
        await c.query('SET GLOBAL innodb_io_capacity_max = ?', [saved.iomax])
      }
      return dirty
    } finally {
      await c.end()
    }
  }
}
