import { spawn } from 'node:child_process'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cleanEnv } from '../../helpers/cli'
import { createTestDatabase } from '../../helpers/mariadb'
import { until } from '../../helpers/stalling-proxy'
import { connect, dropDb, q, url } from './support'

/**
 * `db-taxi verify` stopped by SIGTERM kills its checksum queries on both servers before it exits
 * 143: a checksum over millions of rows goes on on the server after its client has gone.
 */
describe('db-taxi verify and signals', () => {
  let src: Awaited<ReturnType<typeof createTestDatabase>>
  let s: Connection
  let targetDb: string
  // A filter that makes each row's check expensive, so the one chunk's checksum runs for a while.
  const SLOW = "t=SHA2(REPEAT(note, 400), 512) <> ''"

  beforeAll(async () => {
    src = await createTestDatabase('verify_sig')
    targetDb = `${src.name}_t`
    s = await connect(src.addr, src.name)
    await s.query("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, note VARCHAR(100) NOT NULL) ENGINE=InnoDB; INSERT INTO t SELECT seq, CONCAT('note ', seq) FROM seq_1_to_200000")
    await s.query(`CREATE DATABASE \`${targetDb}\`; CREATE TABLE \`${targetDb}\`.t LIKE t; INSERT INTO \`${targetDb}\`.t SELECT * FROM t`)
  })

  afterAll(async () => {
    await s?.end()
    await dropDb(src.addr, targetDb)
    await src?.drop()
  })

  const running = async (): Promise<number> =>
    Number((await q(s, "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE '%BIT_XOR%' AND ID <> CONNECTION_ID()"))[0]?.n)

  it('SIGTERM while a checksum runs: exit 143, and no checksum query is left running', async () => {
    const proc = spawn(process.execPath, [BIN, 'verify', '--source', url(src.addr, src.name), '--target', url(src.addr, targetDb), '--tables', 't', '--where', SLOW, '--chunk-rows', '1000000'], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
    await until('a checksum query on the server', async () => ((await running()) > 0 ? true : undefined))
    proc.kill('SIGTERM')
    expect(await exited).toBe(143)
    await until('the checksum queries to be gone', async () => ((await running()) === 0 ? true : undefined), 5_000)
  })
})
