import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { createDispatcher, type Dispatch } from '../../../src/main/api/dispatcher'
import { createHandlers } from '../../../src/main/api/handlers'
import { loadBootLayers } from '../../../src/main/sync/config/layers'
import { createSyncSystem, type SyncSystem } from '../../../src/main/sync/system'
import type { ConfigDocument, ImportReport, MappingValidationReport } from '../../../src/shared/contract'
import { buildCli, rpc, runCli, startServe, type RunningServe } from '../../helpers/cli'
import { createTestDatabase } from '../../helpers/mariadb'

/**
 * The mapping manager against real MariaDB: the one validation report over live schemas, and the
 * configuration-as-code commands (`db-taxi export`, `import`, `apply`, `validate`) on a data dir and
 * through a running serve.
 */

let db: Awaited<ReturnType<typeof createTestDatabase>>
let system: SyncSystem
let dispatch: Dispatch
let dataDir: string
const dirs: string[] = []
/** A login with a password, so documents carry a real secret (the test server's root has none). */
const user = { name: `dbt_map_${process.pid}`, password: `Pw-${process.pid}-mappings!` }

async function call<T>(method: string, input: unknown): Promise<T> {
  const r = await dispatch(method, input)
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`)
  return r.data as T
}

async function sql(text: string): Promise<void> {
  const c = await mysql.createConnection({ ...db.addr, multipleStatements: true })
  try {
    await c.query(text)
  } finally {
    await c.end()
  }
}

function tempDir(label: string): string {
  const d = mkdtempSync(join(tmpdir(), `dbt-${label}-`))
  dirs.push(d)
  return d
}

beforeAll(async () => {
  buildCli()
  db = await createTestDatabase('mappings')
  const s = `\`${db.name}\``
  await sql(`
    CREATE TABLE ${s}.orders (id INT PRIMARY KEY, note VARCHAR(50), secret VARCHAR(20));
    CREATE TABLE ${s}.items (id INT PRIMARY KEY, name VARCHAR(50));
    CREATE TABLE ${s}.gone (id INT PRIMARY KEY);
    CREATE TABLE ${s}.keyed (id INT NOT NULL, v INT, PRIMARY KEY (id));
    INSERT INTO ${s}.orders VALUES (1, 'a', 'x'), (2, 'b', 'y');
    CREATE DATABASE IF NOT EXISTS \`${db.name}_dst\`;
    DROP USER IF EXISTS '${user.name}'@'%';
    CREATE USER '${user.name}'@'%' IDENTIFIED BY '${user.password}';
    GRANT ALL ON ${s}.* TO '${user.name}'@'%';
    GRANT ALL ON \`${db.name}_dst\`.* TO '${user.name}'@'%';
    DROP USER IF EXISTS '${user.name}_ro'@'%';
    CREATE USER '${user.name}_ro'@'%' IDENTIFIED BY '${user.password}';
    GRANT SELECT ON \`${db.name}_dst\`.* TO '${user.name}_ro'@'%';
  `)
  dataDir = tempDir('mappings')
  system = createSyncSystem({ layers: loadBootLayers({ env: { DBT_DATA_DIR: dataDir } }), mode: 'headless', consoleLog: false })
  await system.start()
  dispatch = createDispatcher(createHandlers(system), system.logger)
})

afterAll(async () => {
  await system?.stop(5000)
  await sql(`DROP DATABASE IF EXISTS \`${db.name}_dst\`; DROP USER IF EXISTS '${user.name}'@'%'; DROP USER IF EXISTS '${user.name}_ro'@'%'`).catch(() => undefined)
  await db?.drop()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('mappings.validate: one report of every sync against the live schemas', () => {
  it('finds a dropped table, a dropped excluded column, a key a diff needs, and two mappings onto one table', async () => {
    const base = { host: db.addr.host, port: db.addr.port, user: db.addr.user, password: db.addr.password }
    const src = (await call<{ id: string }>('connections.create', { name: 'src', ...base })).id
    const dst = (await call<{ id: string }>('connections.create', { name: 'dst', ...base })).id
    const common = { sourceConnectionId: src, targetConnectionId: dst, sourceDatabase: db.name, targetDatabase: `${db.name}_dst` }
    await call('syncs.create', { name: 'healthy', ...common, tables: [{ source: 'orders', excludeColumns: ['secret'] }] })
    await call('syncs.create', { name: 'loses-table', ...common, tables: [{ source: 'gone' }, { source: 'items' }] })
    await call('syncs.create', { name: 'loses-column', ...common, tables: [{ source: 'items', target: 'items_b', excludeColumns: ['name'] }] })
    await call('syncs.create', { name: 'loses-key', ...common, tables: [{ source: 'keyed', mode: 'diff' }] })
    await call('syncs.create', { name: 'second-writer', ...common, tables: [{ source: 'items', target: 'orders' }] })
    // A target login that may only read there.
    const weak = (await call<{ id: string }>('connections.create', { name: 'dst-select-only', host: db.addr.host, port: db.addr.port, user: `${user.name}_ro`, password: user.password })).id
    await call('syncs.create', { name: 'no-privileges', ...common, targetConnectionId: weak, tables: [{ source: 'items', target: 'items_weak' }] })

    const before = await call<MappingValidationReport>('mappings.validate', {})
    expect(before.syncs.filter((s) => !s.ok).map((s) => s.name)).toEqual(['no-privileges'])
    expect(before.syncs.find((s) => s.name === 'no-privileges')!.problems).toEqual([expect.objectContaining({ message: expect.stringMatching(/target user lacks .*INSERT/) })])
    expect(before.problems).toEqual([expect.objectContaining({ code: 'CONFLICT', table: `${db.name}_dst.orders`, syncs: ['healthy', 'second-writer'] })])
    expect(before.ok).toBe(false)

    const s = `\`${db.name}\``
    await sql(`DROP TABLE ${s}.gone; ALTER TABLE ${s}.items DROP COLUMN name, ADD COLUMN label VARCHAR(9); ALTER TABLE ${s}.keyed DROP PRIMARY KEY`)
    const after = await call<MappingValidationReport>('mappings.validate', {})
    const by = Object.fromEntries(after.syncs.map((x) => [x.name, x]))
    expect(by.healthy!.ok).toBe(true)
    // The vanished table is named, and the sync's other table is still checked.
    expect(by['loses-table']!.problems).toEqual([expect.objectContaining({ code: 'TABLE_NOT_FOUND', table: 'gone' })])
    expect(by['loses-table']!.tables).toBe(1)
    expect(by['loses-column']!.problems).toEqual([expect.objectContaining({ code: 'VALIDATION', table: 'items', message: expect.stringContaining('Excluded column(s) name do not exist') })])
    expect(by['loses-key']!.problems).toEqual([expect.objectContaining({ table: 'keyed', message: expect.stringMatching(/primary key|unique/i) })])
    expect(after.syncs).toHaveLength(6)

    // Only the syncs asked for.
    const one = await call<MappingValidationReport>('mappings.validate', { syncIds: [system.syncs.findByName('healthy')!.id] })
    expect(one.syncs.map((x) => x.name)).toEqual(['healthy'])

    // Put the schema back for the CLI tests below.
    await sql(`CREATE TABLE ${s}.gone (id INT PRIMARY KEY); ALTER TABLE ${s}.items DROP COLUMN label, ADD COLUMN name VARCHAR(50); ALTER TABLE ${s}.keyed ADD PRIMARY KEY (id)`)
  })
})

describe('db-taxi export / import / apply / validate', () => {
  const docFor = (): string =>
    [
      'version: 1',
      'connections:',
      '  - name: src',
      `    host: ${db.addr.host}`,
      `    port: ${db.addr.port}`,
      `    user: ${user.name}`,
      '    password: ${DBT_PW_SRC}',
      'syncs:',
      '  - name: copy-orders',
      `    source: { connection: src, database: ${db.name} }`,
      `    target: { connection: src, database: ${db.name}_dst }`,
      '    tables:',
      '      - { source: orders, target: orders_cli, where: "id > 0", excludeColumns: [secret] }',
      '    schedule: { kind: cron, cron: "30 3 * * *" }'
    ].join('\n') + '\n'
  const env = (dir: string): NodeJS.ProcessEnv => ({ DBT_DATA_DIR: dir, DBT_PW_SRC: user.password, DBT_LOGGING_LEVEL: 'warn' })

  it('apply on a data dir: creates, then says nothing changed; validate passes; a run of what it created copies the rows', async () => {
    const dir = tempDir('cli-apply')
    const file = join(dir, 'db-taxi.yaml')
    writeFileSync(file, docFor())
    const dry = runCli(['apply', file, '--dry-run'], env(dir))
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain('would create connection src')
    expect(dry.stdout).toContain('Dry run, nothing changed')
    const first = runCli(['apply', file], env(dir))
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/created\s+sync\s+copy-orders/)
    const second = runCli(['apply', file, '--json'], env(dir))
    expect(second.code).toBe(0)
    expect((JSON.parse(second.stdout) as ImportReport).summary).toEqual({ create: 0, update: 0, unchanged: 2, skip: 0, delete: 0 })
    const human = runCli(['apply', file], env(dir))
    expect(human.stdout.trim()).toBe('Nothing to change: the store already matches (2 unchanged).')

    const v = runCli(['validate'], env(dir))
    expect(v.code, v.stdout + v.stderr).toBe(0)
    expect(v.stdout).toContain('ok   copy-orders (1 table checked)')

    const run = runCli(['run', 'copy-orders', '--json'], env(dir), 60_000)
    expect(run.code, run.stderr).toBe(0)
    const c = await mysql.createConnection({ ...db.addr })
    try {
      const [rows] = await c.query(`SELECT * FROM \`${db.name}_dst\`.orders_cli ORDER BY id`)
      expect(rows).toEqual([
        { id: 1, note: 'a' },
        { id: 2, note: 'b' }
      ])
    } finally {
      await c.end()
    }

    // export writes what apply read, by value, with the secret as its reference again.
    const out = runCli(['export', '--syncs', 'copy-orders'], env(dir))
    expect(out.code).toBe(0)
    const exported = parse(out.stdout) as ConfigDocument
    expect(exported.syncs![0]).toMatchObject({ name: 'copy-orders', tables: [{ source: 'orders', target: 'orders_cli', where: 'id > 0', excludeColumns: ['secret'] }], schedule: { kind: 'cron', cron: '30 3 * * *' } })
    expect(out.stdout).toContain('password: ${DBT_PW_SRC}')
    expect(out.stdout + out.stderr).not.toContain(user.password)
  })

  it('validate --file checks a document against the live schemas before it is applied, on a copy of the store', () => {
    const dir = tempDir('cli-vfile')
    const good = join(dir, 'good.yaml')
    writeFileSync(good, docFor())
    const typo = join(dir, 'typo.yaml')
    writeFileSync(typo, docFor().replace('source: orders,', 'source: order,').replace('id > 0', 'idd > 0'))
    const ok = runCli(['validate', '--file', good], env(dir))
    expect(ok.code, ok.stdout + ok.stderr).toBe(0)
    expect(ok.stdout).toContain('ok   copy-orders (1 table checked)')
    const bad = runCli(['validate', '--file', typo], env(dir))
    expect(bad.code).toBe(1)
    expect(bad.stdout).toContain('TABLE_NOT_FOUND order')
    // Nothing was applied to the real store.
    expect(JSON.parse(runCli(['connections', 'list', '--json'], env(dir)).stdout)).toEqual([])
    const malformed = join(dir, 'bad.yaml')
    writeFileSync(malformed, 'version: 1\nsyncs: 3\n')
    const m = runCli(['validate', '--file', malformed], env(dir))
    expect(m.code).toBe(2)
    expect(m.stderr).toContain(`${malformed}:2:`)
  })

  it('a malformed document exits 2, lists every problem as FILE:LINE:COL, and changes nothing', () => {
    const dir = tempDir('cli-bad')
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, docFor().replace('    user: ', '    colour: blue\n    user: ').replace(/port: \d+/, 'port: 70000'))
    const r = runCli(['apply', file], env(dir))
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:5: connections\\[0\\]\\.port: .*65535`))
    expect(r.stderr).toContain(':6:5: connections[0].colour: unknown field "colour"')
    expect(r.stderr).toContain('2 problem(s); nothing was changed.')
    const list = runCli(['connections', 'list', '--json'], env(dir))
    expect(JSON.parse(list.stdout)).toEqual([])
    const missing = runCli(['apply', join(dir, 'nope.yaml')], env(dir))
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('ENOENT')
  })

  it('through a running serve: apply, export and validate use the API; references are read by the CLI', async () => {
    const dir = tempDir('cli-serve')
    const serve: RunningServe = await startServe([], { DBT_DATA_DIR: dir })
    try {
      const file = join(dir, 'doc.yaml')
      writeFileSync(file, docFor())
      const clientDir = tempDir('cli-client')
      const remote = { DBT_DATA_DIR: clientDir, DBT_SERVER_TOKEN: serve.token, DBT_PW_SRC: user.password }
      const r = runCli(['apply', file, '--server', serve.baseUrl], remote)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/created\s+sync\s+copy-orders/)
      // The server has it; the client's own data dir does not.
      const syncs = await rpc<{ name: string }[]>(serve, 'syncs.list')
      expect(syncs.map((s) => s.name)).toEqual(['copy-orders'])
      expect(JSON.parse(runCli(['connections', 'list', '--json'], { DBT_DATA_DIR: clientDir }).stdout)).toEqual([])
      const again = runCli(['apply', file, '--server', serve.baseUrl], remote)
      expect(again.stdout).toContain('Nothing to change')
      const v = runCli(['validate', 'copy-orders', '--server', serve.baseUrl], remote)
      expect(v.code, v.stdout + v.stderr).toBe(0)
      const e = runCli(['export', '--server', serve.baseUrl, '--format', 'json'], remote)
      expect((JSON.parse(e.stdout) as ConfigDocument).syncs!.map((s) => s.name)).toEqual(['copy-orders'])
      // Sealing opens every saved secret: over HTTP only when the server's owner allows it.
      const sealed = runCli(['export', '--seal', '--server', serve.baseUrl], { ...remote, DBT_PASSPHRASE: 'a passphrase of some length' })
      expect(sealed.code).not.toBe(0)
      expect(sealed.stderr).toContain('FORBIDDEN')
      expect(sealed.stdout).toBe('')
      const wrong = runCli(['export', '--server', serve.baseUrl], { ...remote, DBT_SERVER_TOKEN: 'not-the-token-at-all' })
      expect(wrong.code).not.toBe(0)
      expect(wrong.stderr).toContain('UNAUTHORIZED')
    } finally {
      await serve.stop()
    }
  })

  it('a large export into a pipe arrives whole (the CLI waits for stdout before it exits)', () => {
    const dir = tempDir('cli-big')
    const many = ['version: 1', 'connections:', ...Array.from({ length: 900 }, (_, i) => `  - { name: connection-number-${i}, host: host-${i}.example-of-a-long-host-name.invalid, user: a_user_name, database: database_with_a_long_name_${i} }`)].join('\n')
    const file = join(dir, 'many.yaml')
    writeFileSync(file, many)
    expect(runCli(['apply', file], env(dir)).code).toBe(0)
    const toFile = join(dir, 'out.yaml')
    expect(runCli(['export', '-o', toFile], env(dir)).code).toBe(0)
    // runCli reads stdout through a pipe, as `db-taxi export | ...` does.
    const piped = runCli(['export'], env(dir))
    expect(piped.code).toBe(0)
    expect(piped.stdout.length).toBeGreaterThan(128 * 1024)
    expect(piped.stdout.replace(/^exportedAt: .*$/m, '')).toBe(readFileSync(toFile, 'utf8').replace(/^exportedAt: .*$/m, ''))
  })

  it('sealed export and import between two data dirs with DBT_PASSPHRASE; a wrong passphrase exits 2 with nothing written', () => {
    const a = tempDir('cli-seal-a')
    const b = tempDir('cli-seal-b')
    const file = join(a, 'doc.yaml')
    writeFileSync(file, docFor())
    expect(runCli(['apply', file], env(a)).code).toBe(0)
    const sealedFile = join(a, 'sealed.yaml')
    const e = runCli(['export', '--seal', '-o', sealedFile], { ...env(a), DBT_PASSPHRASE: 'a passphrase of some length' })
    expect(e.code, e.stderr).toBe(0)
    const bad = runCli(['import', sealedFile], { DBT_DATA_DIR: b, DBT_PASSPHRASE: 'not the passphrase at all' })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('PASSPHRASE_INVALID')
    expect(readFileSync(sealedFile, 'utf8')).not.toContain(user.password)
    expect(JSON.parse(runCli(['connections', 'list', '--json'], { DBT_DATA_DIR: b }).stdout)).toEqual([])
    const good = runCli(['import', sealedFile], { DBT_DATA_DIR: b, DBT_PASSPHRASE: 'a passphrase of some length' })
    expect(good.code, good.stderr).toBe(0)
    const t = runCli(['connections', 'test', 'src', '--json'], { DBT_DATA_DIR: b })
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: true })
    const twice = runCli(['import', sealedFile, '--on-conflict', 'rename'], { DBT_DATA_DIR: b, DBT_PASSPHRASE: 'a passphrase of some length' })
    expect(twice.stdout).toContain('Nothing to change')
  })
})
