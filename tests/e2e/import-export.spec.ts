import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import { parse } from 'yaml'
import { dropDatabases, expect, MARIADB_ADMIN, MARIADB_ENDPOINT, SCREENSHOTS, test } from './fixtures'
import { rpc, startServe } from '../helpers/cli'
import type { ConfigDocument } from '../../src/shared/config-document'

/**
 * Issue 15 in the browser: Settings > Import and export downloads the setup and imports a document
 * with a preview, per-item conflict choices and the secrets it names; the Syncs page exports one sync
 * and shows each sync's problems from one check against the live schemas. Only ever 127.0.0.1.
 */

const tag = `${process.pid}_${Date.now().toString(36)}`
const SRC = `dbt_e2e_map_src_${tag}`
const DST = `dbt_e2e_map_dst_${tag}`

test.beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const c = await mysql.createConnection(MARIADB_ADMIN)
  try {
    await c.query(`CREATE DATABASE \`${SRC}\``)
    await c.query(`CREATE TABLE \`${SRC}\`.orders (id INT PRIMARY KEY, note VARCHAR(20))`)
    await c.query(`CREATE TABLE \`${SRC}\`.gone (id INT PRIMARY KEY)`)
  } finally {
    await c.end()
  }
})
test.afterAll(() => dropDatabases(SRC, DST))

test('export the setup, import it elsewhere with a preview and conflict choices, and check every sync against the live schemas', async ({ page, serve, browser }) => {
  test.setTimeout(120_000)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const src = await rpc<{ id: string }>(serve, 'connections.create', { name: 'app', ...MARIADB_ENDPOINT, password: 'an-app-secret-1' })
  const dst = await rpc<{ id: string }>(serve, 'connections.create', { name: 'replica', ...MARIADB_ENDPOINT })
  await rpc(serve, 'syncs.create', { name: 'orders copy', sourceConnectionId: src.id, targetConnectionId: dst.id, sourceDatabase: SRC, targetDatabase: DST, tables: [{ source: 'orders' }], schedule: { kind: 'interval', every: '1h' } })
  await rpc(serve, 'syncs.create', { name: 'loses a table', sourceConnectionId: dst.id, targetConnectionId: dst.id, sourceDatabase: SRC, targetDatabase: DST, tables: [{ source: 'gone', target: 'gone_copy' }] })

  await page.setViewportSize({ width: 1360, height: 1000 })
  await page.goto(`${serve.baseUrl}/#token=${serve.token}`)

  // Syncs page: one check of every sync; a table dropped since is named on its row.
  const c = await mysql.createConnection(MARIADB_ADMIN)
  await c.query(`DROP TABLE \`${SRC}\`.gone`)
  await c.end()
  await page.getByTestId('navbar').getByText('Syncs', { exact: true }).click()
  await page.getByTestId('syncs-check').click()
  // The root login has no password here, so 'app' (which has one) is refused: that is a problem too.
  await expect(page.getByTestId('syncs-check-result')).toContainText('of 2 syncs have problems')
  await expect(page.getByTestId('sync-check-loses a table')).toHaveText('1 problem')
  // Every problem in full in the result, without hovering.
  await expect(page.getByTestId('syncs-check-problems-loses a table')).toContainText('gone')
  await expect(page.getByTestId('syncs-check-problems-orders copy')).toContainText('AUTH_FAILED')
  await page.getByTestId('sync-check-loses a table').hover()
  await expect(page.getByRole('tooltip')).toContainText('gone')
  await page.screenshot({ path: join(SCREENSHOTS, 'syncs-mapping-check.png'), fullPage: true })

  // A schedule is paused and resumed in place (issue 16 item 2), the rest of the sync untouched.
  await page.getByTestId('sync-schedule-switch-orders copy').click({ force: true })
  await expect(page.getByTestId('sync-schedule-orders copy')).toContainText('paused')
  await expect(page.getByTestId('sync-next-run-orders copy')).toHaveCount(0)
  const paused = await rpc<{ name: string; tables: unknown[]; schedule: { enabled: boolean; every: string } }[]>(serve, 'syncs.list')
  expect(paused.find((x) => x.name === 'orders copy')).toMatchObject({ tables: [{ source: 'orders', mode: 'full' }], schedule: { enabled: false, every: '1h' } })
  await page.getByTestId('sync-schedule-switch-orders copy').click({ force: true })
  await expect(page.getByTestId('sync-next-run-orders copy')).toBeVisible()

  // Export on a sync's row: the sync and the connections it uses, the secret as a variable name.
  const one = page.waitForEvent('download')
  await page.getByTestId('sync-export-orders copy').click()
  const oneFile = await (await one).path()
  const oneDoc = parse(readFileSync(oneFile!, 'utf8')) as ConfigDocument
  expect(oneDoc.syncs!.map((s) => s.name)).toEqual(['orders copy'])
  expect(oneDoc.connections!.map((x) => x.name).sort()).toEqual(['app', 'replica'])
  expect(readFileSync(oneFile!, 'utf8')).not.toContain('an-app-secret-1')

  // Settings > Import and export: download everything.
  await page.getByTestId('navbar').getByText('Settings', { exact: true }).click()
  await page.getByTestId('settings-tab-import-export').click()
  await expect(page).toHaveURL(/#\/settings\/import-export$/)
  const all = page.waitForEvent('download')
  await page.getByTestId('export-download').click()
  const download = await all
  expect(download.suggestedFilename()).toMatch(/^db-taxi-\d{4}-\d{2}-\d{2}\.yaml$/)
  const text = readFileSync((await download.path())!, 'utf8')
  expect(text).toContain('password: ${DBT_PW_APP}')
  expect(text).not.toContain('an-app-secret-1')
  await expect(page.getByTestId('export-references')).toContainText('DBT_PW_APP')
  // Over HTTP, sealing (every saved secret, for a passphrase the caller picks) is the server owner's
  // choice, and the page says so before anyone types a passphrase.
  await expect(page.getByTestId('export-secrets-seal')).toBeDisabled()
  await expect(page.getByTestId('export-seal-refused')).toContainText('DBT_SERVER_ALLOW_SEALED_EXPORT')
  await page.screenshot({ path: join(SCREENSHOTS, 'settings-export.png'), fullPage: true })

  // A second DB-Taxi, with a 'replica' of its own: import the document there.
  const other = await startServe(['--data-dir', mkdtempSync(join(tmpdir(), 'dbt-e2e-other-'))])
  try {
    await rpc(other, 'connections.create', { name: 'REPLICA', host: '127.0.0.9', user: 'nobody' })
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 1000 } })
    const p2 = await ctx.newPage()
    p2.on('pageerror', (e) => errors.push(e.message))
    await p2.goto(`${other.baseUrl}/#token=${other.token}`)
    await p2.getByTestId('navbar').getByText('Settings', { exact: true }).click()
    await p2.getByTestId('settings-tab-import-export').click()
    await p2.getByTestId('import-paste-toggle').click()
    await p2.getByTestId('import-text').fill(text)
    await p2.getByTestId('import-preview').click()
    // The document names a secret: the form asks for it, and nothing can be imported until it is given.
    await expect(p2.getByTestId('import-problems')).toContainText('connections[0].password')
    await expect(p2.getByTestId('import-apply')).toBeDisabled()
    await p2.getByTestId('import-reference-DBT_PW_APP').fill('an-app-secret-1')
    await p2.getByTestId('import-preview').click()
    await expect(p2.getByTestId('import-summary')).toHaveText('3 to create, 1 to skip.')
    await expect(p2.getByTestId('import-change-connection-replica')).toContainText('skip')
    await p2.screenshot({ path: join(SCREENSHOTS, 'settings-import-preview.png'), fullPage: true })
    // Per item: the existing REPLICA is overwritten instead of skipped; the preview follows at once.
    await p2.getByTestId('import-policy-connection-replica').click()
    await p2.getByRole('option', { name: 'overwrite' }).click()
    // The preview shows each value before and after, not only which fields change.
    await expect(p2.getByTestId('import-diff-connection-replica-host')).toHaveText(`host: 127.0.0.9 → ${MARIADB_ENDPOINT.host}`)
    await expect(p2.getByTestId('import-diff-connection-replica-name')).toHaveText('name: REPLICA → replica')
    await expect(p2.getByTestId('import-summary')).toHaveText('3 to create, 1 to update.')
    await p2.getByTestId('import-apply').click()
    await expect(p2.getByTestId('import-done')).toHaveText(/3 created, 1 updated/)
    const conns = await rpc<{ name: string; host: string; passwordSet: boolean }[]>(other, 'connections.list')
    expect(conns.map((x) => [x.name, x.host, x.passwordSet])).toEqual([
      ['app', MARIADB_ENDPOINT.host, true],
      ['replica', MARIADB_ENDPOINT.host, false]
    ])
    const syncs = await rpc<{ name: string; schedule: { every?: string } | null }[]>(other, 'syncs.list')
    expect(syncs.map((s) => [s.name, s.schedule?.every ?? null])).toEqual([
      ['loses a table', null],
      ['orders copy', '1h']
    ])
    // A document with a mistake: every problem with its line, nothing imported.
    await p2.getByTestId('import-text').fill('version: 1\nconnections:\n  - name: x\n    host: h\n    user: u\n    colour: blue\n')
    await p2.getByTestId('import-preview').click()
    await expect(p2.getByTestId('import-problems')).toContainText('line 6')
    await expect(p2.getByTestId('import-problems')).toContainText('unknown field "colour"')
    await p2.screenshot({ path: join(SCREENSHOTS, 'settings-import-problems.png'), fullPage: true })
    await p2.setViewportSize({ width: 700, height: 1000 })
    await p2.screenshot({ path: join(SCREENSHOTS, 'settings-import-narrow.png'), fullPage: true })
    await ctx.close()
  } finally {
    await other.stop()
  }
  expect(errors).toEqual([])
})
