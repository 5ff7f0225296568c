import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServe, type RunningServe } from '../../helpers/cli'
import { testServer } from '../../helpers/mariadb'

/** Issue 3's acceptance, through a real `db-taxi serve` process and its HTTP API. */

const PASSWORD = `Zebra-Unique-Pw-${Math.random().toString(36).slice(2, 10)}`
const USER = `dbt_acc_${Math.random().toString(36).slice(2, 8)}`

// Loosely typed on purpose: the test reads whatever the server answered.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Envelope = { ok: boolean; data?: any; error?: any }

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? filesUnder(p) : [p]
  })
}

async function rpc(s: RunningServe, method: string, input: unknown): Promise<{ status: number; text: string; body: Envelope }> {
  const r = await fetch(`${s.baseUrl}/api/rpc/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input)
  })
  const text = await r.text()
  return { status: r.status, text, body: JSON.parse(text) }
}

describe('connections through db-taxi serve', () => {
  const addr = () => testServer()
  let admin: mysql.Connection
  const dataDir = mkdtempSync(join(tmpdir(), 'dbt-conn-acc-'))

  beforeAll(async () => {
    admin = await mysql.createConnection({ ...addr() })
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [USER, PASSWORD])
    await admin.query(`GRANT SELECT ON *.* TO ?@'%'`, [USER])
  })
  afterAll(async () => {
    await admin.query(`DROP USER IF EXISTS ?@'%'`, [USER])
    await admin.end()
  })

  it('tests a saved connection (also after a restart), reports failures by code, and never stores or returns the password in clear', async () => {
    const answers: string[] = []
    let s = await startServe(['--data-dir', dataDir])
    try {
      const created = await rpc(s, 'connections.create', { name: 'acceptance', host: '127.0.0.1', port: addr().port, user: USER, password: PASSWORD })
      answers.push(created.text)
      expect(created.status).toBe(200)
      const id = created.body.data.id as string
      expect(created.body.data.passwordSet).toBe(true)
      const test = await rpc(s, 'connections.test', { id })
      answers.push(test.text)
      expect(test.body.data.ok).toBe(true)
      expect(test.body.data.serverVersion).toMatch(/MariaDB|^\d+\.\d+/)

      const wrong = await rpc(s, 'connections.test', { draft: { name: 'x', host: '127.0.0.1', port: addr().port, user: USER, password: 'not-it' } })
      answers.push(wrong.text)
      expect(wrong.body).toMatchObject({ ok: true, data: { ok: false, error: { code: 'AUTH_FAILED' } } })
      const refused = await rpc(s, 'connections.test', { draft: { name: 'x', host: '127.0.0.1', port: 1, user: USER, password: PASSWORD } })
      answers.push(refused.text)
      expect(refused.body).toMatchObject({ ok: true, data: { ok: false, error: { code: 'CONNECTION_REFUSED' } } })
      for (const m of ['connections.list', 'connections.get']) answers.push((await rpc(s, m, m === 'connections.get' ? { id } : {})).text)
      answers.push(await (await fetch(`${s.baseUrl}/api/status`, { headers: { authorization: `Bearer ${s.token}` } })).text())

      await s.stop()
      s = await startServe(['--data-dir', dataDir])
      const again = await rpc(s, 'connections.test', { id })
      answers.push(again.text)
      expect(again.body.data.ok).toBe(true)
      expect(again.body.data.serverVersion).toBeTruthy()
    } finally {
      await s.stop()
    }
    for (const a of answers) expect(a).not.toContain(PASSWORD)
    const files = filesUnder(dataDir)
    expect(files.some((f) => f.endsWith('db-taxi.sqlite'))).toBe(true)
    for (const f of files) expect(readFileSync(f).includes(Buffer.from(PASSWORD)), f).toBe(false)
  })
})
