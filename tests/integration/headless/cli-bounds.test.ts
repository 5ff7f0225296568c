import { spawn, type SpawnOptions } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cleanEnv } from '../../helpers/cli'
import { freePort } from '../../helpers/mariadb'

/**
 * Issue 10 item 3 at the edge a user touches: every number, duration, URL and data dir given to the
 * built `db-taxi` command with a hostile value ends in one line on stderr naming the flag or
 * variable, and exit 2, before any server is contacted. The URLs point at a closed port: a value the
 * command took would end in exit 3 (could not connect) instead.
 */

interface Result {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs the CLI; a command still running after 15 s (e.g. a serve that started) is killed and shows as signal SIGKILL. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}, extra: SpawnOptions = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'], ...extra })
    let stdout = ''
    let stderr = ''
    p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => p.kill('SIGKILL'), 15_000)
    p.once('error', reject)
    p.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/** A few at a time: the machine has 2 cores. */
async function all<T, R>(items: T[], fn: (item: T) => Promise<R>, width = 3): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i]!)
      }
    })
  )
  return out
}

/** Exit 2, nothing on stdout, exactly one line on stderr that names `name`. */
function expectOneLineRefusal(r: Result, name: string, what: string): void {
  const lines = r.stderr.split('\n').filter((l) => l !== '')
  expect({ what, code: r.code, signal: r.signal, lines: lines.length, stdout: r.stdout }).toEqual({ what, code: 2, signal: null, lines: 1, stdout: '' })
  expect(lines[0], what).toMatch(/^db-taxi: /)
  expect(lines[0], what).toContain(name)
  expect(lines[0], what).not.toMatch(/\bat .*\.(c?js|ts):\d+/)
}

// The whole corpus is in tests/unit/core/bounded-input.test.ts and config.test.ts; here, a sample
// through the real command for each flag and variable.
const HOSTILE_NUMBERS = ['', '0', '-1', '0x10', '1e3', ' 4', '٣', '99999999999999999999']

describe('db-taxi refuses hostile values with one line and exit 2 (issue 10 item 3)', () => {
  let closed: number
  let src: string
  let dst: string
  let root: string

  beforeAll(async () => {
    closed = await freePort()
    src = `mysql://root:secretpw@127.0.0.1:${closed}/src_db`
    dst = `mysql://root:secretpw@127.0.0.1:${closed}/dst_db`
    root = mkdtempSync(join(tmpdir(), 'dbt-bounds-'))
    // Readable by other uids: the unwritable-dir case runs the CLI as nobody.
    chmodSync(root, 0o755)
  })

  afterAll(() => {
    rmSync(root, { recursive: true, force: true })
  })

  it('--parallel and --chunk-rows of sync and verify: the contract ranges (1..32, 1..10,000,000)', async () => {
    const cases: { cmd: string; flag: string; value: string }[] = []
    for (const value of [...HOSTILE_NUMBERS, '33', '100000']) cases.push({ cmd: 'sync', flag: '--parallel', value })
    for (const value of ['10000001', '1e3', '']) cases.push({ cmd: 'sync', flag: '--chunk-rows', value })
    for (const value of ['33', '0x10']) cases.push({ cmd: 'verify', flag: '--parallel', value })
    for (const value of ['10000001', '５']) cases.push({ cmd: 'verify', flag: '--chunk-rows', value })
    const results = await all(cases, (c) => cli([c.cmd, '--source', src, '--target', dst, '--tables', 't', c.flag, c.value]))
    cases.forEach((c, i) => {
      const r = results[i]!
      expectOneLineRefusal(r, c.flag, `${c.cmd} ${c.flag} ${JSON.stringify(c.value)}`)
      expect(r.stderr).toContain('VALIDATION')
    })
    // The limits themselves are accepted: the command goes on and fails only at connecting (3).
    const edge = await all(
      [
        ['--parallel', '32'],
        ['--chunk-rows', '10000000']
      ],
      ([flag, value]) => cli(['sync', '--source', src, '--target', dst, '--tables', 't', flag!, value!])
    )
    for (const r of edge) expect(r.code, r.stderr).toBe(3)
  })

  it('serve --port, and the numeric and duration variables of every command that reads config', async () => {
    const dataDir = join(root, 'cfg-data')
    const cases: { args: string[]; env: NodeJS.ProcessEnv; name: string }[] = []
    for (const value of ['', '0x1F90', ' 8080', '65536']) {
      cases.push({ args: ['serve', '--data-dir', dataDir, '--port', value], env: {}, name: '--port' })
    }
    const variables: Record<string, string[]> = {
      DBT_SYNC_JOB_TIMEOUT: ['99999999999999999999d', '25d', '-1s', ' 1h'],
      DBT_SYNC_MAX_CONCURRENCY: ['1e9', '65'],
      DBT_SERVER_PORT: ['70000', '-1'],
      DBT_SYNC_RETRY_ATTEMPTS: ['-1'],
      DBT_SYNC_BATCH_SIZE: ['10000001'],
      DBT_SYNC_RETRY_DELAY: ['Infinityms', '2m'],
      DBT_SYNC_CLEANUP_AGE: ['36501d'],
      DBT_CONNECTIONS_HEALTH_INTERVAL: ['0s', '2d'],
      DBT_SERVER_READ_TIMEOUT: ['0s'],
      DBT_SERVER_WRITE_TIMEOUT: ['2h']
    }
    const commands = [['config', 'print'], ['connections', 'list', '--data-dir', dataDir], ['run', 'nightly', '--data-dir', dataDir], ['serve', '--data-dir', dataDir, '--port', '0']]
    for (const [name, values] of Object.entries(variables)) {
      for (const [i, value] of values.entries()) cases.push({ args: commands[i % commands.length]!, env: { [name]: value }, name })
    }
    const results = await all(cases, (c) => cli(c.args, c.env))
    cases.forEach((c, i) => expectOneLineRefusal(results[i]!, c.name, `${c.args.join(' ')} with ${JSON.stringify(c.env)}`))
    expect(results.find((r) => /invalid value for DBT_SYNC_JOB_TIMEOUT/.test(r.stderr))!.stderr).toContain('expected a duration from 100ms to 24d')
  })

  it('a malformed percent-escape in a URL names --source, --target, DBT_SOURCE_URL or DBT_TARGET_URL, never the password', async () => {
    const bad = `mysql://root:se%ZZcret@127.0.0.1:${closed}/db`
    const cases: { args: string[]; env: NodeJS.ProcessEnv; name: string }[] = [
      { args: ['sync', '--source', bad, '--target', dst, '--tables', 't'], env: {}, name: '--source' },
      { args: ['sync', '--source', src, '--target', bad, '--tables', 't'], env: {}, name: '--target' },
      { args: ['sync', '--target', dst, '--tables', 't'], env: { DBT_SOURCE_URL: bad }, name: 'DBT_SOURCE_URL' },
      { args: ['verify', '--source', src, '--tables', 't'], env: { DBT_TARGET_URL: bad }, name: 'DBT_TARGET_URL' },
      { args: ['verify', '--source', `mysql://root@127.0.0.1:${closed}/d%ZZb`, '--target', dst, '--tables', 't'], env: {}, name: '--source' },
      { args: ['sync', '--source', `mysql://root@127.0.0.1:0/db`, '--target', dst, '--tables', 't'], env: {}, name: '--source' }
    ]
    const results = await all(cases, (c) => cli(c.args, c.env))
    cases.forEach((c, i) => {
      const r = results[i]!
      expectOneLineRefusal(r, c.name, c.args.join(' '))
      expect(r.stderr).not.toContain('cret')
      expect(r.stderr).not.toMatch(/URIError|URI malformed/)
    })
  })

  it('empty or malformed table lists, target databases and config paths', async () => {
    const cases: { args: string[]; name: string }[] = [
      { args: ['sync', '--source', src, '--target', dst, '--tables', ' , '], name: '--tables' },
      { args: ['sync', '--source', src, '--target', dst, '--tables', ':'], name: '--tables' },
      { args: ['sync', '--source', src, '--target', dst, '--tables', 'a:'], name: '--tables' },
      { args: ['sync', '--source', src, '--target', dst, '--tables', 't', '--target-db', ''], name: '--target-db' },
      { args: ['verify', '--source', src, '--target', dst, '--tables', 't', '--target-db', 'x'.repeat(65)], name: '--target-db' },
      { args: ['sync', '--source', src, '--target', dst, '--tables', 't', '--exclude-columns', 't='], name: '--exclude-columns' },
      { args: ['config', 'print', '--config', ''], name: '--config' },
      { args: ['config', 'print', '--config', '/dev/zero'], name: '/dev/zero' },
      { args: ['serve', '--host', '', '--data-dir', join(root, 'h')], name: '--host' },
      { args: ['connections', 'list', '--data-dir', ''], name: '--data-dir' }
    ]
    const results = await all(cases, (c) => cli(c.args))
    cases.forEach((c, i) => expectOneLineRefusal(results[i]!, c.name, c.args.join(' ')))
  })
})

describe('the data dir is checked before it is used (issue 10 items 3 and 9)', () => {
  let root: string

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'dbt-datadir-cli-'))
    chmodSync(root, 0o755)
  })

  afterAll(() => {
    rmSync(root, { recursive: true, force: true })
  })

  it('a regular file, a path under /proc (a hang before) or /sys: one line, exit 2, for serve, run and connections, from flag, variable or file', async () => {
    const file = join(root, 'a-file')
    writeFileSync(file, 'not a dir')
    const yaml = join(root, 'proc.yaml')
    writeFileSync(yaml, 'data_dir: /proc/db-taxi\n')
    const cases: { args: string[]; env?: NodeJS.ProcessEnv; name: string; why: RegExp }[] = [
      { args: ['connections', 'list', '--data-dir', file], name: '--data-dir', why: /is not a directory \(it is a regular file\)/ },
      { args: ['serve', '--port', '0', '--data-dir', file], name: '--data-dir', why: /is not a directory/ },
      { args: ['run', 'nightly', '--data-dir', join(file, 'sub')], name: '--data-dir', why: /not a directory/ },
      { args: ['connections', 'list', '--data-dir', '/proc/db-taxi'], name: '--data-dir', why: /is on a proc filesystem/ },
      { args: ['serve', '--port', '0', '--data-dir', '/proc/db-taxi/data'], name: '--data-dir', why: /is on a proc filesystem/ },
      { args: ['run', 'nightly'], env: { DBT_DATA_DIR: '/proc/self' }, name: 'DBT_DATA_DIR', why: /is on a proc filesystem/ },
      { args: ['connections', 'test', 'prod', '--config', yaml], name: `${yaml}:1`, why: /is on a proc filesystem/ },
      { args: ['connections', 'list', '--data-dir', '/sys/db-taxi'], name: '--data-dir', why: /is on a sysfs filesystem/ }
    ]
    const results = await all(cases, (c) => cli(c.args, c.env ?? {}))
    cases.forEach((c, i) => {
      const r = results[i]!
      expectOneLineRefusal(r, c.name, c.args.join(' '))
      expect(r.stderr).toMatch(c.why)
    })
  })

  it('a dir the user cannot write in: one line, exit 2 (run as another uid when the tests run as root)', async () => {
    // Root writes through mode bits, so as root the CLI runs as nobody against root's 0500 dir
    // (and a missing dir under root's 0755 dir); as anyone else, against their own 0500 dir.
    const asRoot = process.getuid?.() === 0
    const runAs: SpawnOptions = asRoot ? { uid: 65534, gid: 65534 } : {}
    const readOnly = join(root, 'read-only')
    mkdirSync(readOnly)
    chmodSync(readOnly, 0o500)
    const results = await all(
      [
        { dir: readOnly, why: /is not writable: permission denied \(EACCES\)/ },
        { dir: join(asRoot ? root : readOnly, 'new-data'), why: /cannot be created: permission denied \(EACCES\)/ }
      ],
      async (c) => ({ ...c, r: await cli(['connections', 'list', '--data-dir', c.dir], { HOME: root }, runAs) })
    )
    for (const { dir, why, r } of results) {
      expectOneLineRefusal(r, `data dir ${dir} (--data-dir)`, dir)
      expect(r.stderr).toMatch(why)
    }
  })

  it('a data dir made by hand with 0755 is tightened to 0700, with a warning on stderr', async () => {
    const dir = join(root, 'by-hand')
    mkdirSync(dir)
    chmodSync(dir, 0o755)
    const r = await cli(['connections', 'list', '--data-dir', dir])
    expect(r.code, r.stderr).toBe(0)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(r.stderr).toMatch(new RegExp(`warn .*data dir ${dir} was mode 0755, open to other users; tightened to 0700`))
  })
})
