import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, freePort } from '../../helpers/mariadb'
import { call, removeDir, startSystem, tempDir } from './support'

/**
 * `db-taxi connections list|test` as a user runs them. The CLI is bundled from the current sources
 * into a temp dir first, so this test never runs a stale `out/` build.
 */

const ROOT = resolve(__dirname, '..', '..', '..')

describe('db-taxi connections (CLI)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dataDir: string
  let bundleDir: string
  let bundle: string

  const run = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
    const env: NodeJS.ProcessEnv = { NODE_PATH: join(ROOT, 'node_modules'), PATH: process.env.PATH, HOME: process.env.HOME }
    const r = spawnSync(process.execPath, [bundle, ...args, '--data-dir', dataDir], { env, encoding: 'utf8', timeout: 30_000 })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  beforeAll(async () => {
    bundleDir = tempDir('cli-bundle')
    bundle = join(bundleDir, 'db-taxi.cjs')
    await build({
      entryPoints: [join(ROOT, 'src/main/headless/cli.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning'
    })
    db = await createTestDatabase('conn_cli')
    dataDir = tempDir('cli-data')
    const t = startSystem(dataDir)
    const base = { host: db.addr.host, user: db.addr.user, password: db.addr.password, tls: { mode: 'disabled' }, connectTimeoutMs: 3000 }
    await call(t.dispatch, 'connections.create', { name: 'Good', port: db.addr.port, database: db.name, ...base })
    await call(t.dispatch, 'connections.create', { name: 'refused', port: await freePort(), ...base })
    await call(t.dispatch, 'connections.create', { name: 'nodb', port: db.addr.port, database: `${db.name}_gone`, ...base })
    await t.stop()
  })

  afterAll(async () => {
    await db?.drop()
    removeDir(dataDir)
    removeDir(bundleDir)
  })

  it('lists connections as text and as JSON, on stdout', () => {
    const text = run(['connections', 'list'])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^Good\s+root@127\.0\.0\.1:\d+/m)
    expect(text.stdout).toContain('refused')
    const json = run(['connections', 'list', '--json'])
    expect(json.code).toBe(0)
    const list = JSON.parse(json.stdout) as { name: string; passwordSet: boolean }[]
    expect(list.map((c) => c.name)).toEqual(['Good', 'nodb', 'refused'])
  })

  it('tests a connection by name (any case): exit 0 and the report', () => {
    const r = run(['connections', 'test', 'good'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^ok {2}Good: MariaDB \d+\.\d+/)
    expect(r.stdout).toContain('as a target')
    const j = run(['connections', 'test', 'Good', '--json'])
    expect(j.code).toBe(0)
    expect(JSON.parse(j.stdout)).toMatchObject({ connection: 'Good', ok: true, flavor: 'mariadb' })
  })

  it('exits 3 when it cannot connect, with the code on stdout', () => {
    const r = run(['connections', 'test', 'refused', '--json'])
    expect(r.code).toBe(3)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'CONNECTION_REFUSED' } })
    const n = run(['connections', 'test', 'nodb'])
    expect(n.code).toBe(3)
    expect(n.stdout).toMatch(/^FAILED {2}nodb: UNKNOWN_DATABASE/)
  })

  it('exits 2 for an unknown name or a missing argument', () => {
    const r = run(['connections', 'test', 'nope'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('No saved connection named "nope"')
    expect(run(['connections', 'test']).code).toBe(2)
  })
})
