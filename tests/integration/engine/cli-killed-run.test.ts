import { spawn } from 'node:child_process'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cleanEnv, runCli } from '../../helpers/cli'
import { createTestDatabase } from '../../helpers/mariadb'
import { startStallingProxy, until, type StallingProxy } from '../../helpers/stalling-proxy'
import { checksum, connect, dropDb, expectSameTable, leftoverShadows, url } from './support'

/**
 * Issue 10 item 4: a `db-taxi sync` killed outright (SIGKILL: no handler runs) leaves its shadow
 * table. The next run on the same target recognises it as a dead run's (its named lock is free),
 * `--dry-run` lists it first, the run drops it, says so, and copies; the target table was never
 * touched by the dead run.
 */
describe('a killed db-taxi sync leaves nothing the next run does not clear', () => {
  let src: Awaited<ReturnType<typeof createTestDatabase>>
  let proxy: StallingProxy
  let s: Connection
  let t: Connection
  let targetDb: string

  beforeAll(async () => {
    src = await createTestDatabase('cli_killed')
    targetDb = `${src.name}_t`
    s = await connect(src.addr, src.name)
    await s.query("CREATE TABLE orders (id INT NOT NULL PRIMARY KEY, note VARCHAR(200) NOT NULL, KEY (note)) ENGINE=InnoDB")
    await s.query("INSERT INTO orders SELECT seq, REPEAT(CONCAT('order ', seq), 8) FROM seq_1_to_40000")
    t = await connect(src.addr)
    await t.query(`CREATE DATABASE \`${targetDb}\``)
    await t.query(`CREATE TABLE \`${targetDb}\`.orders (id INT NOT NULL PRIMARY KEY, note VARCHAR(200) NOT NULL, KEY (note)) ENGINE=InnoDB`)
    await t.query(`INSERT INTO \`${targetDb}\`.orders VALUES (1, 'the old row')`)
    proxy = await startStallingProxy(src.addr.port, 1024 * 1024)
  })

  afterAll(async () => {
    await proxy?.close()
    await s?.end()
    await t?.end()
    await dropDb(src.addr, targetDb)
    await src?.drop()
  })

  it('SIGKILL mid-copy, then --dry-run lists the leftover and the next run clears it', async () => {
    const before = await checksum(t, targetDb, 'orders')
    const stalled = url({ ...src.addr, port: proxy.port }, src.name)
    const proc = spawn(process.execPath, [BIN, 'sync', '--source', stalled, '--target', url(src.addr, targetDb), '--tables', 'orders', '--chunk-rows', '2000'], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stderr = ''
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<NodeJS.Signals | null>((r) => proc.once('exit', (_code, signal) => r(signal)))
    const shadow = await until(`a shadow table (stderr: ${stderr})`, async () => (await leftoverShadows(t, targetDb)).find((n) => n.startsWith('_dbt_new_x')))
    proc.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    // Left behind: what no handler could clean up. The target table itself is untouched.
    expect(await leftoverShadows(t, targetDb)).toEqual([shadow])
    expect(await checksum(t, targetDb, 'orders')).toBe(before)
    const tag = /^_dbt_new_(x[0-9a-z]+)_/.exec(shadow)![1]!

    // The plan names it, says the run is dead and that it will be cleared; it changes nothing.
    const direct = url(src.addr, src.name)
    const plan = runCli(['sync', '--source', direct, '--target', url(src.addr, targetDb), '--tables', 'orders', '--dry-run', '--json'])
    expect(plan.code).toBe(0)
    const doc = JSON.parse(plan.stdout) as { leftovers: { tag: string; state: string; tables: { name: string }[] }[]; problems: unknown[] }
    expect(doc.problems).toEqual([])
    expect(doc.leftovers).toEqual([expect.objectContaining({ tag, state: 'dead', tables: [{ name: shadow, kind: 'new' }] })])
    const text = runCli(['sync', '--source', direct, '--target', url(src.addr, targetDb), '--tables', 'orders', '--dry-run'])
    expect(text.stdout).toContain(`leftover run ${tag}: table(s) ${shadow}`)
    expect(text.stdout).toContain('will be cleared')
    expect(await leftoverShadows(t, targetDb)).toEqual([shadow])

    // The next run clears it, says so, and copies.
    const run = runCli(['sync', '--source', direct, '--target', url(src.addr, targetDb), '--tables', 'orders', '--json'], {}, 120_000)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain(`cleared what the dead run ${tag} left: dropped ${shadow}`)
    const summary = JSON.parse(run.stdout) as { cleared: { tag: string; dropped: string[] }[] }
    expect(summary.cleared).toEqual([expect.objectContaining({ tag, dropped: [shadow] })])
    expect(await leftoverShadows(t, targetDb)).toEqual([])
    await expectSameTable(s, src.name, 'orders', t, targetDb)
  })
})
