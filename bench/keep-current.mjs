#!/usr/bin/env node
// bench/keep-current: bringing an up-to-date copy in line after a 1% change (issue 13, "Performance").
//
//   node bench/keep-current.mjs [--rows 1000000] [--rounds 3] [--smoke] [--build] [--json-out FILE]
//
// Two private MariaDB servers on loopback, the full-copy benchmark's `orders` table on the source (with
// an index on updated_at, the cursor). Per round: a fresh copy on the target (db-taxi full), then the
// 1% change spread over the key range (0.5% updates that move updated_at, 0.3% inserts, 0.2% deletes),
// then, timed: db-taxi's full copy of the changed table (the baseline), db-taxi's incremental run, and
// an incremental run with nothing left to do. Each result is checked: full copies by CHECKSUM TABLE and
// row count; incremental by a fingerprint of every column of every row, equal to the source's except
// for the deleted rows incremental does not carry. Best of N rounds, ratios against the issue's goals.
// Then db-taxi's diff run and `pt-table-sync --execute` each bring another such copy in line (both checked
// by CHECKSUM TABLE), and a diff of the now identical tables is timed too.
//
// Not pass/fail: exit 0 when the run completed, whatever the ratios; 1 on a wrong result or a crash.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureOrders, tableFingerprint } from './lib/orders.mjs'
import { GNU_TIME, killAllTracked, readPeakRssKb, run, tail } from './lib/proc.mjs'
import { initTemplate, PrivateServer } from './lib/servers.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CLI = join(ROOT, 'bin', 'db-taxi.cjs')
const SRC_DB = 'bench_src'
const GOALS = { incrementalVsFull: 0.1, idleVsFull: 0.2, diffVsPt: 0.2, diffVsFull: 0.35, identicalDiffVsFull: 0.2, rssMb: 256 }
const PT_TABLE_SYNC = ['/usr/bin/pt-table-sync', '/usr/local/bin/pt-table-sync'].find((p) => existsSync(p)) ?? null

const { values: opt } = parseArgs({
  options: {
    rows: { type: 'string' },
    rounds: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    build: { type: 'boolean', default: false },
    'json-out': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false }
  }
})
if (opt.help) {
  process.stdout.write('Usage: node bench/keep-current.mjs [--rows N] [--rounds N] [--smoke] [--build] [--json-out FILE]\n')
  process.exit(0)
}
const SMOKE = opt.smoke
const ROWS = Number(opt.rows ?? (SMOKE ? 4000 : 1_000_000))
const ROUNDS = Number(opt.rounds ?? (SMOKE ? 1 : 3))
if (!Number.isInteger(ROWS) || ROWS < 1000 || !Number.isInteger(ROUNDS) || ROUNDS < 1) {
  process.stderr.write('keep-current: --rows needs an integer >= 1000, --rounds a positive integer\n')
  process.exit(2)
}
const TIMEOUT_MS = SMOKE ? 120_000 : 30 * 60_000

const log = (m) => process.stderr.write(`[bench] ${m}\n`)
const out = (l = '') => process.stdout.write(l + '\n')
const sec = (ms) => (ms == null ? 'n/a' : `${(ms / 1000).toFixed(2)} s`)
const fmt = (r) => (r == null ? 'n/a' : `${r.toFixed(2)}x`)
const within = (r, goal) => (r == null ? 'n/a' : Math.round(r * 100) / 100 <= goal ? 'PASS' : 'MISS')
const num = (n) => n.toLocaleString('en-US')

const work = join(ROOT, 'bench', '.work', `keep-${process.pid}-${Date.now().toString(36)}`)
const servers = { source: null, target: null }
const problems = []
const problem = (m) => {
  problems.push(m)
  log(`PROBLEM: ${m}`)
}

// The change, spread over the key range by residues of the id: every 200th row updated (0.5%), every
// 500th deleted (0.2%), 0.3% new rows above the largest id.
const UPDATED = 'id % 200 = 3'
const DELETED = 'id % 500 = 7'
const inserts = () => Math.round(ROWS * 0.003)

async function applyChange(round) {
  const c = await servers.source.connect()
  try {
    await c.query(`USE \`${SRC_DB}\``)
    await c.query("SET time_zone = '+00:00'")
    // Later than any generated updated_at (2023-11-14 + ids seconds): the cursor moves past the watermark.
    const at = `TIMESTAMP '2030-01-01 00:00:00' + INTERVAL ${round} DAY`
    await c.query(`UPDATE orders SET amount = amount + 1, note = CONCAT('changed in round ${round} ✓'), updated_at = ${at} WHERE ${UPDATED}`)
    await c.query(`DELETE FROM orders WHERE ${DELETED}`)
    const [[{ top }]] = await c.query('SELECT MAX(id) AS top FROM orders')
    const from = Number(top) + 1
    await c.query(
      `INSERT INTO orders SELECT seq, UUID(), CONCAT('customer-', seq % 50000), NULL, 1.5, 1, 'new', TIMESTAMP '2030-01-01 00:00:00', ${at}, 'new ✓', 1
         FROM seq_${from}_to_${from + inserts() - 1}`
    )
  } finally {
    await c.end()
  }
}

/** Count and a fingerprint of every column, optionally without some ids. */
async function fingerprint(server, db, where = '1=1') {
  const [r] = await server.query(
    `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', id, uuid, customer, IFNULL(email, '~'), amount, quantity, status, created_at, updated_at, IFNULL(note, '~'), flags + 0))) AS f
       FROM \`${db}\`.orders WHERE ${where}`
  )
  return `${r.n}:${r.f}`
}

/** The first id whose row differs between the source and the incremental copy, for the problem line. */
async function firstDifference() {
  const rows = async (server, db) =>
    server.query(
      `SELECT id, CONCAT_WS('|', id, uuid, customer, IFNULL(email, '~'), amount, quantity, status, created_at, updated_at, IFNULL(note, '~'), flags + 0) AS r FROM \`${db}\`.orders WHERE NOT (${DELETED}) ORDER BY id`
    )
  const [a, b] = [await rows(servers.source, SRC_DB), await rows(servers.target, 'inc')]
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i]?.r !== b[i]?.r) return `source ${a[i]?.r ?? '(none)'} / target ${b[i]?.r ?? '(none)'}`
  }
  return `${a.length} rows on both sides, no row differs (a fingerprint artefact)`
}

async function dbtaxi(args, tag) {
  const rssFile = join(work, `rss-${tag}.txt`)
  const env = { ...process.env, DBT_DATA_DIR: join(work, 'data'), DBT_SYNC_INCREMENTAL_LAG: '0s', NO_COLOR: '1' }
  const node = [process.execPath, CLI, ...args, '--json']
  const started = Date.now()
  const r = GNU_TIME ? await run(GNU_TIME, ['-f', '%M', '-o', rssFile, ...node], { cwd: ROOT, env, timeoutMs: TIMEOUT_MS }) : await run(node[0], node.slice(1), { cwd: ROOT, env, timeoutMs: TIMEOUT_MS })
  const ms = Date.now() - started
  let json = null
  try {
    json = JSON.parse(String(r.stdout).trim().split('\n').at(-1))
  } catch {
    /* reported below */
  }
  if (r.code !== 0 || json?.status !== 'succeeded') throw new Error(`db-taxi ${tag} failed (exit ${r.code}): ${json?.error?.message ?? tail(r.stderr || r.stdout)}`)
  return { ms, rssKb: GNU_TIME ? readPeakRssKb(rssFile) : null, table: json.tables[0] }
}

const url = (s, db) => `mysql://root@127.0.0.1:${s.port}/${db}`
const sync = (db, extra, tag) => dbtaxi(['sync', '--source', url(servers.source, SRC_DB), '--target', url(servers.target, db), '--tables', 'orders', ...extra], tag)
const INCREMENTAL = ['--mode', 'incremental', '--cursor', 'orders=updated_at']

async function round(i) {
  // The copies to keep current: made before the change, then the change on the source.
  for (const db of ['inc', 'diff_t', 'pt_t']) await servers.target.query(`DROP DATABASE IF EXISTS ${db}`)
  await sync('inc', INCREMENTAL, `seed${i}`)
  await sync('diff_t', [], `seedDiff${i}`)
  if (PT_TABLE_SYNC) await sync('pt_t', [], `seedPt${i}`)
  await applyChange(i)
  // Compared without the ids of the deleted residue on both sides (new rows may fall into it too).
  const want = await fingerprint(servers.source, SRC_DB, `NOT (${DELETED})`)
  const res = {}
  // Baseline: the whole changed table copied again (verified, as every run is).
  await servers.target.query('DROP DATABASE IF EXISTS full_copy')
  res.full = await sync('full_copy', [], `full${i}`)
  const src = await tableFingerprint(servers.source, SRC_DB)
  const dst = await tableFingerprint(servers.target, 'full_copy')
  if (src.checksum !== dst.checksum || src.rows !== dst.rows) problem(`round ${i}: the full copy's CHECKSUM TABLE differs from the source`)
  res.incremental = await sync('inc', INCREMENTAL, `inc${i}`)
  // Deleted rows stay (incremental does not carry deletes); every other row equals the source's.
  if ((await fingerprint(servers.target, 'inc', `NOT (${DELETED})`)) !== want) problem(`round ${i}: the incremental copy differs from the source: ${await firstDifference()}`)
  const t = res.incremental.table
  // No id is both updated and deleted: 3 (mod 200) and 7 (mod 500) differ mod 100.
  const expect = { inserted: inserts(), updated: Math.floor((ROWS - 3) / 200) + 1 }
  if (t.inserted !== expect.inserted || t.updated !== expect.updated) problem(`round ${i}: incremental counted ${t.inserted} inserted / ${t.updated} updated, expected ${expect.inserted} / ${expect.updated}`)
  res.idle = await sync('inc', INCREMENTAL, `idle${i}`)
  if (res.idle.table.rowsWritten !== 0) problem(`round ${i}: a run with nothing to do wrote ${res.idle.table.rowsWritten} rows`)
  // Diff: the same change brought in line with deletes, checked by CHECKSUM TABLE; then the identical tables.
  res.diff = await sync('diff_t', ['--mode', 'diff'], `diff${i}`)
  const dfp = await tableFingerprint(servers.target, 'diff_t')
  if (dfp.checksum !== src.checksum || dfp.rows !== src.rows) problem(`round ${i}: the diff copy's CHECKSUM TABLE differs from the source`)
  const d = res.diff.table
  if (d.inserted !== expect.inserted || d.updated !== expect.updated || d.deleted !== Math.floor((ROWS - 7) / 500) + 1) problem(`round ${i}: diff counted ${d.inserted}/${d.updated}/${d.deleted} inserted/updated/deleted`)
  res.identical = await sync('diff_t', ['--mode', 'diff'], `ident${i}`)
  if (res.identical.table.rowsWritten !== 0 || res.identical.table.deleted !== 0) problem(`round ${i}: a diff of identical tables wrote rows`)
  if (PT_TABLE_SYNC) {
    const started = Date.now()
    const pt = await run(
      PT_TABLE_SYNC,
      // No --charset: with utf8mb4 it dies on "Wide character in print"; its default connection passes
      // the bytes through unchanged (the CHECKSUM TABLE check below proves it).
      ['--execute', '--no-check-triggers', `h=127.0.0.1,P=${servers.source.port},u=root,D=${SRC_DB},t=orders`, `h=127.0.0.1,P=${servers.target.port},u=root,D=pt_t`],
      { timeoutMs: TIMEOUT_MS }
    )
    res.pt = { ms: Date.now() - started }
    // Exit 2: differences were found (and, with --execute, synced).
    if (pt.code !== 0 && pt.code !== 2) problem(`round ${i}: pt-table-sync failed (exit ${pt.code}): ${tail(pt.stderr || pt.stdout)}`)
    const pfp = await tableFingerprint(servers.target, 'pt_t')
    if (pfp.checksum !== src.checksum || pfp.rows !== src.rows) problem(`round ${i}: pt-table-sync's copy's CHECKSUM TABLE differs from the source`)
  }
  // The same change once more, verified over the rows the run read only (verifyScope: changed).
  await applyChange(i + 100)
  const wantAgain = await fingerprint(servers.source, SRC_DB, `NOT (${DELETED})`)
  res.changedScope = await sync('inc', [...INCREMENTAL, '--verify-scope', 'changed'], `scoped${i}`)
  if ((await fingerprint(servers.target, 'inc', `NOT (${DELETED})`)) !== wantAgain) problem(`round ${i}: the incremental copy (verify-scope changed) differs from the source: ${await firstDifference()}`)
  res.changedIdle = await sync('inc', [...INCREMENTAL, '--verify-scope', 'changed'], `scopedIdle${i}`)
  log(
    `round ${i}: full ${sec(res.full.ms)}, incremental ${sec(res.incremental.ms)} (${t.inserted} inserted, ${t.updated} updated), idle ${sec(res.idle.ms)}, ` +
      `changed-scope ${sec(res.changedScope.ms)} / idle ${sec(res.changedIdle.ms)}, diff ${sec(res.diff.ms)}, identical ${sec(res.identical.ms)}, pt-table-sync ${sec(res.pt?.ms)}`
  )
  return res
}

async function main() {
  mkdirSync(work, { recursive: true })
  const common = ['--skip-log-bin', '--skip-name-resolve', `--innodb-buffer-pool-size=${SMOKE ? '256M' : '1G'}`, `--innodb-log-file-size=${SMOKE ? '48M' : '256M'}`, '--max-allowed-packet=64M']
  const template = join(work, 'template')
  initTemplate(template)
  servers.source = new PrivateServer('source', join(work, 'source'), common)
  servers.target = new PrivateServer('target', join(work, 'target'), common)
  await servers.source.createFrom(template)
  await servers.target.createFrom(template)
  rmSync(template, { recursive: true, force: true })
  await Promise.all([servers.source.start(), servers.target.start()])
  const c = await servers.source.connect()
  try {
    await ensureOrders(c, SRC_DB, ROWS, (n) => n < ROWS && log(`  generated ${num(n)} rows`))
    await c.query('ALTER TABLE orders ADD KEY updated_at (updated_at)')
  } finally {
    await c.end()
  }
  log(`source has ${num(ROWS)} rows`)
  const results = []
  for (let i = 1; i <= ROUNDS; i++) {
    if (i > 1) {
      // Every round starts from the same table: regenerate it.
      const d = await servers.source.connect()
      await d.query(`DROP DATABASE \`${SRC_DB}\``)
      await ensureOrders(d, SRC_DB, ROWS)
      await d.query('ALTER TABLE orders ADD KEY updated_at (updated_at)')
      await d.end()
    }
    results.push(await round(i))
  }
  const best = (k) => Math.min(...results.map((r) => r[k].ms))
  const rss = Math.max(...results.flatMap((r) => [r.full.rssKb, r.incremental.rssKb, r.idle.rssKb, r.changedScope.rssKb, r.changedIdle.rssKb, r.diff.rssKb, r.identical.rssKb]).filter((x) => x != null))
  const diff = best('diff')
  const identical = best('identical')
  const pt = PT_TABLE_SYNC ? best('pt') : null
  const full = best('full')
  const inc = best('incremental')
  const idle = best('idle')
  const scoped = best('changedScope')
  const scopedIdle = best('changedIdle')
  const lines = [
    `keep-current (${num(ROWS)} rows, 1% change: 0.5% updates, 0.3% inserts, 0.2% deletes; best of ${ROUNDS}${SMOKE ? ', SMOKE size: numbers mean nothing' : ''})`,
    `  db-taxi full copy (verified)        ${sec(full)}`,
    `  db-taxi incremental (verified)      ${sec(inc)}`,
    `  db-taxi incremental, nothing to do  ${sec(idle)}`,
    `  db-taxi incremental, verify-scope changed  ${sec(scoped)}; nothing to do ${sec(scopedIdle)}`,
    `  incremental / full copy                    ${fmt(inc / full)}  goal <= ${GOALS.incrementalVsFull}x  ${within(inc / full, GOALS.incrementalVsFull)}`,
    `  nothing to do / full copy                  ${fmt(idle / full)}  goal <= ${GOALS.idleVsFull}x  ${within(idle / full, GOALS.idleVsFull)}`,
    `  incremental (verify-scope changed) / full  ${fmt(scoped / full)}  goal <= ${GOALS.incrementalVsFull}x  ${within(scoped / full, GOALS.incrementalVsFull)}`,
    `  nothing to do (verify-scope changed) / full ${fmt(scopedIdle / full)}  goal <= ${GOALS.idleVsFull}x  ${within(scopedIdle / full, GOALS.idleVsFull)}`,
    `  peak RSS (db-taxi)           ${Number.isFinite(rss) ? `${Math.round(rss / 1024)} MB` : 'n/a'}  goal <= ${GOALS.rssMb} MB  ${Number.isFinite(rss) ? (Math.round(rss / 1024) <= GOALS.rssMb ? 'PASS' : 'MISS') : 'n/a'}`,
    `  db-taxi diff                       ${sec(diff)}; identical tables ${sec(identical)}`,
    `  pt-table-sync --execute            ${PT_TABLE_SYNC ? sec(pt) : 'not installed (apt-get install percona-toolkit)'}`,
    `  diff / pt-table-sync                       ${fmt(pt ? diff / pt : null)}  goal <= ${GOALS.diffVsPt}x  ${within(pt ? diff / pt : null, GOALS.diffVsPt)}`,
    `  diff / full copy                           ${fmt(diff / full)}  goal <= ${GOALS.diffVsFull}x  ${within(diff / full, GOALS.diffVsFull)}`,
    `  diff of identical tables / full copy       ${fmt(identical / full)}  goal <= ${GOALS.identicalDiffVsFull}x  ${within(identical / full, GOALS.identicalDiffVsFull)}`
  ]
  out()
  for (const l of lines) out(l)
  out(`  ${cpus().length} CPUs; incremental runs verify the whole table unless verify-scope changed (then only the rows they read), row by row through row digests`)
  if (problems.length) {
    out('Problems:')
    for (const p of problems) out(`  - ${p}`)
  }
  if (opt['json-out']) writeFileSync(resolve(opt['json-out']), JSON.stringify({ rows: ROWS, rounds: ROUNDS, results, problems }, null, 2) + '\n')
}

let failed = false
try {
  await main()
} catch (err) {
  failed = true
  log(`crashed: ${err?.stack ?? err}`)
} finally {
  await Promise.all(Object.values(servers).map((s) => s?.stop(15_000).catch(() => s.killNow())))
  killAllTracked()
  rmSync(work, { recursive: true, force: true })
}
process.exit(failed || problems.length ? 1 : 0)
