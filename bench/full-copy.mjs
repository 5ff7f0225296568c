#!/usr/bin/env node
// bench/full-copy: DB-Taxi's full copy against the tools people use today, side by side in one run.
//
//   node bench/full-copy.mjs [--rows 1000000] [--rounds 3] [--insert-path] [--rss-scale 1000000,3000000]
//                            [--skip-main] [--fresh-target] [--smoke] [--build] [--json-out FILE] [--cli PATH]
//
// Two private MariaDB servers on loopback (source utf8mb4, target latin1 so nothing may lean on the
// target's defaults), an `orders` table generated on the source, then per round and in rotating order:
// mysqldump | mariadb, mydumper + myloader (2 threads), db-taxi sync --no-verify, each into a fresh
// target database, each checked with CHECKSUM TABLE and a row count. db-taxi verify is timed on
// db-taxi's result. Best of N rounds, ratios against the targets of issue 4. docs/benchmarks.md says more.
//
// Benchmarks are not pass/fail: exit 0 when the run completed, whatever the ratios. Exit 1 when a copy's
// checksum did not match, a tool that exists failed, or the harness itself broke; 130 on Ctrl+C.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cpuSnapshot, othersShare } from './lib/cpu.mjs'
import { ensureOrders, tableDdl, tableFingerprint, tableSize } from './lib/orders.mjs'
import { GNU_TIME, killAllTracked, readPeakRssKb, run, runPipeline, tail, which } from './lib/proc.mjs'
import { initTemplate, PrivateServer } from './lib/servers.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const WORK_BASE = join(ROOT, 'bench', '.work')
const CLI_BUNDLE = join(ROOT, 'out', 'cli', 'db-taxi.cjs')
const SRC_DB = 'bench_src'

// Targets from issue 4 ("Performance").
const TARGET = { vsMysqldump: 0.5, vsMydumper: 0.8, verifyVsCopy: 0.25, insertVsMysqldump: 0.8, rssMb: 256, rssGrowth: 1.1 }

// ---------------------------------------------------------------------------------------------- options
const { values: opt } = parseOptions({
  options: {
    rows: { type: 'string' },
    rounds: { type: 'string' },
    'insert-path': { type: 'boolean', default: false },
    'write-path': { type: 'string' },
    'rss-scale': { type: 'string' },
    'skip-main': { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    build: { type: 'boolean', default: false },
    'json-out': { type: 'string' },
    'fresh-target': { type: 'boolean', default: false },
    'quiet-wait': { type: 'string' },
    cli: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false }
  }
})
function parseOptions(config) {
  try {
    return parseArgs(config)
  } catch (err) {
    usage(`${err.message} (--help lists the options)`)
  }
}
if (opt.help) {
  process.stdout.write(`Usage: node bench/full-copy.mjs [options]     (docs/benchmarks.md explains the method)

  --rows N            rows in the generated orders table (default 1000000; smoke 2000)
  --rounds N          rounds; each tool's best round counts (default 3; smoke 1)
  --insert-path       also compare mysqldump and db-taxi's INSERT path with the target's local_infile OFF
  --write-path P      db-taxi's write path in the main comparison (auto, bulk, load-data, insert;
                      default: db-taxi's own choice)
  --rss-scale A,B     also run db-taxi alone at A and B rows and compare its peak RSS
  --skip-main         skip the three-tool comparison (with --insert-path / --rss-scale)
  --fresh-target      restart the target server before every measurement (cold target)
  --quiet-wait S      before each measurement wait up to S seconds for other processes to leave the
                      CPUs alone (default 120; smoke 0); measurements they disturbed are marked *
  --smoke             tiny, fast run that only proves the harness works
  --build             npm run build:cli first
  --cli PATH          another db-taxi entry point instead of bin/db-taxi.cjs
  --json-out FILE     also write every measurement as JSON

Exit 0 when the run completed (whatever the ratios); 1 on a checksum mismatch, a failing tool or a
crash; 2 on bad options; 130 on Ctrl+C.
`)
  process.exit(0)
}
const SMOKE = opt.smoke
// --cli: another db-taxi entry point (an older build to compare with, or a stand-in to test the harness).
const CLI = opt.cli ? resolve(opt.cli) : join(ROOT, 'bin', 'db-taxi.cjs')
const ROWS = intOpt(opt.rows, SMOKE ? 2000 : 1_000_000, 'rows')
const ROUNDS = intOpt(opt.rounds, SMOKE ? 1 : 3, 'rounds')
const RSS_SIZES = opt['rss-scale'] ? opt['rss-scale'].split(',').map((s) => intOpt(s.trim(), 0, 'rss-scale')).sort((a, b) => a - b) : []
// A hung tool must not hang the benchmark: generous per-command limits, tight ones in smoke mode.
const TOOL_TIMEOUT_MS = SMOKE ? 60_000 : 30 * 60_000
const SETTLE_MS = SMOKE ? 3_000 : 60_000
const QUIET_WAIT_MS = (opt['quiet-wait'] === undefined ? (SMOKE ? 0 : 120) : Number(opt['quiet-wait'])) * 1000
if (!(QUIET_WAIT_MS >= 0)) usage('--quiet-wait needs a number of seconds')

function intOpt(v, dflt, name) {
  if (v === undefined) return dflt
  const n = Number(String(v).replace(/_/g, ''))
  if (!Number.isInteger(n) || n < 1) usage(`--${name} needs a positive integer, got ${v}`)
  return n
}
function usage(msg) {
  process.stderr.write(`full-copy: ${msg}\n`)
  process.exit(2)
}

// ---------------------------------------------------------------------------------------------- output
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`)
const out = (line = '') => process.stdout.write(line + '\n')
const sec = (ms) => (ms == null ? 'n/a' : `${(ms / 1000).toFixed(2)} s`)
const mb = (kb) => (kb == null ? 'n/a' : `${Math.round(kb / 1024)} MB`)
const size = (bytes) => `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MB`
const ratio = (a, b) => (a == null || b == null ? null : a / b)
const fmtRatio = (r) => (r == null ? 'n/a' : `${r.toFixed(2)}x`)
const verdict = (ok) => (ok == null ? 'n/a' : ok ? 'PASS' : 'MISS')
// Judged on the value as printed (two decimals, whole MB), so "0.80x <= 0.80x" never reads MISS.
const within = (r, target) => (r == null ? null : Math.round(r * 100) / 100 <= target)
const withinMb = (kb, targetMb) => (kb == null ? null : Math.round(kb / 1024) <= targetMb)
const num = (n) => n.toLocaleString('en-US')
const pct = (x) => `${Math.round(x * 100)}%`
// A measurement during which other processes used this share of the machine's CPUs is marked busy (*).
const BUSY = 0.1

// ---------------------------------------------------------------------------------------------- state
const work = join(WORK_BASE, `run-${process.pid}-${Date.now().toString(36)}`)
const servers = { source: null, target: null }
let failed = false // a checksum mismatch or a crash: decides the exit code
const othersLog = [] // per measurement: share of the CPUs other processes used (lib/cpu.mjs)
const problems = []
function problem(msg) {
  failed = true
  problems.push(msg)
  log(`PROBLEM: ${msg}`)
}

// ---------------------------------------------------------------------------------------------- teardown
let tearingDown = null
let aborting = false // set on Ctrl+C: no new measurement starts while teardown runs
function teardown() {
  tearingDown ??= (async () => {
    await Promise.all(Object.values(servers).map((s) => s?.stop(15_000).catch(() => s.killNow())))
    rmSync(work, { recursive: true, force: true })
  })()
  return tearingDown
}
// Ctrl+C / kill: stop the tools we started, then the servers, then delete the temp dir.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping`)
    aborting = true
    killToolsOnly()
    teardown().finally(() => process.exit(130))
  })
}
// Last resort if the process exits without teardown (uncaught error): synchronous kill and delete.
process.on('exit', () => {
  killAllTracked()
  try {
    rmSync(work, { recursive: true, force: true })
  } catch {
    /* nothing more we can do */
  }
})
function killToolsOnly() {
  // Servers are stopped cleanly by teardown; everything else we started is killed now.
  const serverPids = new Set(Object.values(servers).map((s) => s?.child?.pid))
  killAllTracked('SIGKILL', serverPids)
}

/** Earlier runs killed with SIGKILL leave run dirs behind: remove those whose harness is gone. */
function removeStaleRunDirs() {
  if (!existsSync(WORK_BASE)) return
  for (const name of readdirSync(WORK_BASE)) {
    const m = /^run-(\d+)-/.exec(name)
    if (!m || isAlive(Number(m[1]))) continue
    const dir = join(WORK_BASE, name)
    if (serverStillUsing(dir)) {
      log(`leaving ${dir}: a mariadbd still uses it (stop that server by its pid, then delete the dir)`)
      continue
    }
    rmSync(dir, { recursive: true, force: true })
  }
}
function isAlive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return e.code === 'EPERM'
  }
}
function serverStillUsing(dir) {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir)) return true
    } catch {
      /* process ended meanwhile */
    }
  }
  return false
}

// ---------------------------------------------------------------------------------------------- tools
const have = {
  mysqldump: which('mysqldump'),
  mariadb: which('mariadb') ?? which('mysql'),
  mydumper: which('mydumper'),
  myloader: which('myloader')
}
const missing = { mysqldump: null, mydumper: null }
if (!have.mysqldump || !have.mariadb) missing.mysqldump = 'mysqldump or the mariadb client is missing: apt-get install mariadb-client'
if (!have.mydumper || !have.myloader) missing.mydumper = 'mydumper/myloader missing: apt-get install mydumper'

/** Why db-taxi cannot run, or null when its CLI has the sync and verify commands. */
const dbtaxi = { syncMissing: null, verifyMissing: null, staleWarning: null, writeArgs: opt['write-path'] ? ['--write-path', opt['write-path']] : [] }

async function probeDbTaxi() {
  if (opt.build) {
    log('building the CLI (npm run build:cli)')
    const b = await run('npm', ['run', '--silent', 'build:cli'], { cwd: ROOT, timeoutMs: 5 * 60_000 })
    if (b.code !== 0) {
      dbtaxi.syncMissing = dbtaxi.verifyMissing = `npm run build:cli failed: ${tail(b.stderr || b.stdout)}`
      return
    }
  }
  if (!opt.cli && !existsSync(CLI_BUNDLE)) {
    dbtaxi.syncMissing = dbtaxi.verifyMissing = 'CLI not built: run `npm run build:cli` or pass --build'
    return
  }
  const h = await run(process.execPath, [CLI, '--help'], { cwd: ROOT, timeoutMs: 30_000 })
  const help = h.stdout + h.stderr
  if (!/^\s+sync\b/m.test(help)) dbtaxi.syncMissing = 'the CLI has no `sync` command yet'
  if (!/^\s+verify\b/m.test(help)) dbtaxi.verifyMissing = 'the CLI has no `verify` command yet'
  // A bundle older than the sources measures yesterday's engine: say so, do not guess.
  if (opt.cli) return
  const built = statSync(CLI_BUNDLE).mtimeMs
  const newest = newestMtime(join(ROOT, 'src'))
  if (newest > built) dbtaxi.staleWarning = 'out/cli is older than src/: numbers are for the last build (run `npm run build:cli` or pass --build)'
}
function newestMtime(dir) {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

const dbtaxiEnv = () => ({ ...process.env, DBT_DATA_DIR: join(work, 'db-taxi-data'), NO_COLOR: '1' })

/** Run node bin/db-taxi.cjs under GNU time (peak RSS of the child in kB) when available. */
async function runDbTaxi(args, tag) {
  const rssFile = join(work, `rss-${tag}.txt`)
  const node = [process.execPath, CLI, ...args]
  const r = GNU_TIME
    ? await run(GNU_TIME, ['-f', '%M', '-o', rssFile, ...node], { cwd: ROOT, env: dbtaxiEnv(), timeoutMs: TOOL_TIMEOUT_MS })
    : await run(node[0], node.slice(1), { cwd: ROOT, env: dbtaxiEnv(), timeoutMs: TOOL_TIMEOUT_MS })
  r.rssKb = GNU_TIME ? readPeakRssKb(rssFile) : null
  r.json = parseJson(r.stdout)
  return r
}
function parseJson(text) {
  const t = String(text ?? '').trim()
  for (const candidate of [t, ...t.split('\n').reverse().filter((l) => l.trim().startsWith('{'))]) {
    try {
      return JSON.parse(candidate)
    } catch {
      /* next */
    }
  }
  return null
}
function failureReason(r) {
  if (r.timedOut) return `timed out after ${sec(TOOL_TIMEOUT_MS)}`
  const why = r.json?.error?.message ?? r.json?.error ?? tail(r.stderr || r.stdout)
  return `exit ${r.code ?? r.signal}${why ? `: ${typeof why === 'string' ? why : JSON.stringify(why)}` : ''}`
}

/**
 * The copy tools. Each `copy(tgtDb)` copies SRC_DB.orders from the source server into the existing empty
 * database tgtDb on the target server and resolves {ms, error?, rssKb?, summary?}. Timing covers
 * everything a user waits for (both halves of a dump+load).
 */
const TOOLS = {
  mysqldump: {
    label: 'mysqldump | mariadb',
    unavailable: () => missing.mysqldump,
    async copy(tgtDb) {
      // mysqldump's defaults stay on (extended INSERT, DISABLE KEYS, --quick, --tz-utc, SET NAMES utf8mb4).
      const r = await runPipeline(
        [
          [have.mysqldump, ...servers.source.cliArgs(), '--single-transaction', '--skip-lock-tables', SRC_DB, 'orders'],
          [have.mariadb, ...servers.target.cliArgs(), tgtDb]
        ],
        { timeoutMs: TOOL_TIMEOUT_MS }
      )
      return r.code === 0 ? { ms: r.ms } : { ms: r.ms, error: failureReason(r) }
    }
  },
  mydumper: {
    label: 'mydumper + myloader (2 thr)',
    unavailable: () => missing.mydumper,
    async copy(tgtDb) {
      const dir = join(work, `dump-${tgtDb}`)
      rmSync(dir, { recursive: true, force: true })
      // mydumper 0.10: -T takes plain table names of the -B database ("db.table" silently dumps nothing);
      // --rows splits the table into primary-key chunks that the threads share.
      const d = await run(
        have.mydumper,
        [...servers.source.cliArgs(), '-B', SRC_DB, '-T', 'orders', '--threads', '2', '--rows', '100000', '-o', dir, '-v', '1'],
        { timeoutMs: TOOL_TIMEOUT_MS }
      )
      if (d.code !== 0) return { ms: d.ms, error: `mydumper ${failureReason(d)}` }
      if (!readdirSync(dir).some((f) => /\.orders(\.\d+)?\.sql(\.gz)?$/.test(f))) return { ms: d.ms, error: 'mydumper wrote no data files' }
      // myloader sets unique_checks=0 and foreign_key_checks=0, which on MariaDB 10.6+ turns the first
      // INSERT into an empty table into a table-locked bulk insert (MDEV-515/MDEV-24818); two threads
      // starting on the same empty table then often die with ER_LOCK_DEADLOCK and myloader 0.10 does not
      // retry. We retry the load into a fresh database, as a user would, and time only the load that
      // succeeded (this favours mydumper, never db-taxi); the failed attempts are reported.
      const failedLoads = []
      for (let attempt = 1; ; attempt++) {
        const l = await run(
          have.myloader,
          [...servers.target.cliArgs(), '-d', dir, '-B', tgtDb, '--threads', '2', '--overwrite-tables', '-v', '1'],
          { timeoutMs: TOOL_TIMEOUT_MS }
        )
        if (l.code === 0) {
          rmSync(dir, { recursive: true, force: true })
          const retried = failedLoads.length ? `, after ${failedLoads.length} deadlocked load(s) of ${failedLoads.map(sec).join(', ')} not counted` : ''
          return { ms: d.ms + l.ms, detail: `dump ${sec(d.ms)} + load ${sec(l.ms)}${retried}`, deadlocks: failedLoads.length }
        }
        if (!/Deadlock found/i.test(l.stderr) || attempt >= 5) {
          rmSync(dir, { recursive: true, force: true })
          return { ms: d.ms + l.ms, error: `myloader ${failureReason(l)}` }
        }
        failedLoads.push(l.ms)
        log(`  myloader deadlocked (MariaDB bulk insert into an empty table), retrying into a fresh ${tgtDb}`)
        await servers.target.query(`DROP DATABASE IF EXISTS \`${tgtDb}\``)
        await servers.target.query(`CREATE DATABASE \`${tgtDb}\``)
      }
    }
  },
  dbtaxi: {
    label: 'db-taxi sync --no-verify',
    unavailable: () => dbtaxi.syncMissing,
    async copy(tgtDb) {
      const r = await runDbTaxi(
        ['sync', '--source', servers.source.url(SRC_DB), '--target', servers.target.url(''), '--tables', 'orders',
          '--target-db', tgtDb, '--mode', 'full', '--no-verify', '--json', ...dbtaxi.writeArgs],
        `sync-${tgtDb}`
      )
      if (r.code !== 0 || !r.json) return { ms: r.ms, rssKb: r.rssKb, error: r.code === 0 ? 'exit 0 but no JSON summary on stdout' : failureReason(r) }
      // The summary's own duration next to the wall time shows what process start-up costs.
      const t = r.json.tables?.[0]
      const detail = [`summary ${r.json.status}, ${sec(r.json.durationMs)} inside`, t?.rowsWritten != null && `${num(Number(t.rowsWritten))} rows written`, r.json.writePath && `path ${r.json.writePath}`]
      return { ms: r.ms, rssKb: r.rssKb, summary: r.json, detail: detail.filter(Boolean).join(', ') }
    }
  }
}

/** db-taxi verify on a finished copy; its exit code is the verdict (0 identical, 1 different, 3 no connection). */
async function timeVerify(tgtDb) {
  const r = await runDbTaxi(
    ['verify', '--source', servers.source.url(SRC_DB), '--target', servers.target.url(tgtDb), '--tables', 'orders', '--json'],
    `verify-${tgtDb}`
  )
  if (r.code === 0) return { ms: r.ms, rssKb: r.rssKb }
  if (r.code === 1 && r.json) return { ms: r.ms, rssKb: r.rssKb, error: 'said "different" although CHECKSUM TABLE matches' }
  return { ms: r.ms, rssKb: r.rssKb, error: failureReason(r) }
}

// ---------------------------------------------------------------------------------------------- rounds
/**
 * One tool, one fresh target database: create it (untimed; the server's default charset, latin1),
 * let the target settle, copy (timed), compare CHECKSUM TABLE and row count with the source's.
 */
async function measure(toolKey, tgtDb, expected, { withVerify = false } = {}) {
  if (aborting) throw new Error('interrupted')
  const tool = TOOLS[toolKey]
  const tgt = servers.target
  await tgt.query(`DROP DATABASE IF EXISTS \`${tgtDb}\``)
  if (opt['fresh-target']) await tgt.restart()
  await tgt.query(`CREATE DATABASE \`${tgtDb}\``)
  await settle(tgt)
  const serverPids = Object.values(servers).map((s) => s.child.pid)
  await waitForQuiet(serverPids)
  const before = cpuSnapshot(serverPids)
  const res = await tool.copy(tgtDb)
  if (aborting) throw new Error('interrupted') // the tool was killed by Ctrl+C: not a result
  res.others = othersShare(before, cpuSnapshot(serverPids))
  if (res.others != null) othersLog.push(res.others)
  res.tool = toolKey
  if (!res.error) {
    const got = await tableFingerprint(tgt, tgtDb)
    if (got.checksum !== expected.checksum || got.rows !== expected.rows) {
      res.invalid = `CHECKSUM TABLE ${got.checksum} / ${got.rows} rows, source ${expected.checksum} / ${expected.rows} rows`
      problem(`${tool.label} into ${tgtDb}: INVALID, ${res.invalid}`)
    } else if ((await tableDdl(tgt, tgtDb)) !== expected.ddl) {
      res.note = 'SHOW CREATE TABLE differs from the source'
    }
  } else if (toolKey !== 'dbtaxi' || !dbtaxi.syncMissing) {
    problem(`${tool.label} into ${tgtDb} failed: ${res.error}`)
  }
  const ok = !res.error && !res.invalid
  log(`${tool.label.padEnd(28)} ${tgtDb.padEnd(18)} ${sec(res.ms).padStart(9)}  ${ok ? 'checksum ok' : res.invalid ? 'INVALID' : `failed: ${res.error}`}` +
    `${res.rssKb ? `  peak RSS ${mb(res.rssKb)}` : ''}${res.detail ? `  (${res.detail})` : ''}` +
    `${res.others >= BUSY ? `  BUSY: other processes took ${pct(res.others)} of the CPUs` : ''}`)
  if (ok && withVerify && !dbtaxi.verifyMissing) {
    const vBefore = cpuSnapshot(serverPids)
    res.verify = await timeVerify(tgtDb)
    res.verify.others = othersShare(vBefore, cpuSnapshot(serverPids))
    if (res.verify.others != null) othersLog.push(res.verify.others)
    if (res.verify.error) problem(`db-taxi verify on ${tgtDb}: ${res.verify.error}`)
    log(`${'db-taxi verify'.padEnd(28)} ${tgtDb.padEnd(18)} ${sec(res.verify.ms).padStart(9)}  ${res.verify.error ?? 'identical'}` +
      `${res.verify.others >= BUSY ? `  BUSY: other processes took ${pct(res.verify.others)} of the CPUs` : ''}`)
  }
  await tgt.query(`DROP DATABASE IF EXISTS \`${tgtDb}\``)
  return res
}

/** ROUNDS rounds of the given tools; the order rotates each round so no tool always goes first. */
async function rounds(prefix, toolKeys, expected) {
  const results = Object.fromEntries(toolKeys.map((k) => [k, []]))
  const runnable = toolKeys.filter((k) => !TOOLS[k].unavailable())
  for (let r = 0; r < ROUNDS; r++) {
    const order = runnable.map((_, i) => runnable[(i + r) % runnable.length])
    log(`${prefix} round ${r + 1}/${ROUNDS}: ${order.map((k) => TOOLS[k].label).join(', ')}`)
    for (const k of order) {
      const res = await measure(k, `${prefix}${r + 1}_${k}`, expected, { withVerify: k === 'dbtaxi' })
      results[k].push(res)
      // The first failure of a db-taxi that exists is enough; later rounds would only repeat it.
      if (k === 'dbtaxi' && res.error) runnable.splice(runnable.indexOf('dbtaxi'), 1)
    }
  }
  return results
}

/** Wait for a server's background flushing to finish (see PrivateServer.settle); say when it took long. */
async function settle(server) {
  const t = Date.now()
  const dirty = await server.settle(SETTLE_MS)
  if (Date.now() - t > 2000) log(`  ${server.name}: waited ${sec(Date.now() - t)} for InnoDB to flush (${dirty} dirty pages left)`)
}

/**
 * On a shared machine (a test suite, a build next to us) wait, bounded, until other processes use less
 * than BUSY of the CPUs over a 2 s window. Our servers are idle here (settled), so what we see is others.
 */
async function waitForQuiet(serverPids) {
  if (!QUIET_WAIT_MS) return
  const started = Date.now()
  let share = null
  let said = false
  while (Date.now() - started < QUIET_WAIT_MS) {
    const a = cpuSnapshot(serverPids)
    await new Promise((r) => setTimeout(r, 2000))
    share = othersShare(a, cpuSnapshot(serverPids))
    if (share == null || share < BUSY) break
    if (!said) log(`  other processes use ${pct(share)} of the CPUs: waiting up to ${sec(QUIET_WAIT_MS)} for a quiet machine`)
    said = true
  }
  if (said) log(`  ${share < BUSY ? 'quiet' : 'still busy'} after ${sec(Date.now() - started)}`)
}

async function sourceFingerprint() {
  await settle(servers.source)
  const fp = await tableFingerprint(servers.source, SRC_DB)
  fp.ddl = await tableDdl(servers.source, SRC_DB)
  await servers.source.query(`ANALYZE TABLE \`${SRC_DB}\`.orders`) // fresh statistics for the size line
  fp.size = await tableSize(servers.source, SRC_DB)
  return fp
}

async function generate(rows) {
  const c = await servers.source.connect()
  const started = Date.now()
  try {
    await ensureOrders(c, SRC_DB, rows, (n) => n < rows && log(`  generated ${num(n)} rows`))
  } finally {
    await c.end()
  }
  log(`source has ${num(rows)} rows in ${SRC_DB}.orders (${sec(Date.now() - started)})`)
}

// ---------------------------------------------------------------------------------------------- summary
const best = (list = []) => {
  const ms = list.filter((r) => !r.error && !r.invalid).map((r) => r.ms)
  return ms.length ? Math.min(...ms) : null
}
const bestVerify = (list = []) => best(list.map((r) => r.verify).filter(Boolean))
const peakRss = (list = []) => {
  // Only completed, checksum-equal copies count: a run that died early says nothing about memory.
  const kb = list.filter((r) => !r.error && !r.invalid).map((r) => r.rssKb).filter((x) => x != null)
  return kb.length ? Math.max(...kb) : null
}
function statusOf(toolKey, list) {
  const why = TOOLS[toolKey].unavailable()
  if (why) return toolKey === 'dbtaxi' ? `db-taxi: not available (${why})` : `skipped (${why})`
  if (!list?.length) return 'not run'
  const bad = list.find((r) => r.invalid || r.error)
  if (bad?.invalid) return `INVALID (${bad.invalid})`
  if (bad?.error) return toolKey === 'dbtaxi' ? `db-taxi: not available (sync failed: ${bad.error})` : `failed (${bad.error})`
  return list.some((r) => r.note) ? `checksum ok; ${list.find((r) => r.note).note}` : 'checksum ok'
}
function toolRow(label, list, status, extra = '') {
  const times = (list ?? []).map((r) => (r.error || r.invalid ? 'x' : (r.ms / 1000).toFixed(2) + (r.others >= BUSY ? '*' : ''))).join(' ')
  out(`  ${label.padEnd(30)} ${sec(best(list)).padStart(9)}   ${(times || '-').padEnd(20)} ${status}${extra}`)
}
function checkRow(label, value, target, pass) {
  out(`  ${label.padEnd(30)} ${value.padStart(9)}   ${target.padEnd(20)} ${verdict(pass)}`)
}

function printMain(res, fp) {
  const tMysqldump = best(res.mysqldump)
  const tMydumper = best(res.mydumper)
  const tDbtaxi = best(res.dbtaxi)
  const tVerify = bestVerify(res.dbtaxi)
  const rss = peakRss(res.dbtaxi)
  const r1 = ratio(tDbtaxi, tMysqldump)
  const r2 = ratio(tDbtaxi, tMydumper)
  const r3 = ratio(tVerify, tDbtaxi)
  out()
  out(`Full copy, local_infile ON: best of ${ROUNDS} round(s)`)
  out(`  ${'tool'.padEnd(30)} ${'best'.padStart(9)}   ${'rounds (s)'.padEnd(20)} check`)
  toolRow(TOOLS.mysqldump.label, res.mysqldump, statusOf('mysqldump', res.mysqldump))
  toolRow(TOOLS.mydumper.label, res.mydumper, statusOf('mydumper', res.mydumper))
  toolRow(TOOLS.dbtaxi.label, res.dbtaxi, statusOf('dbtaxi', res.dbtaxi), rss ? `, peak RSS ${mb(rss)}` : '')
  const vList = (res.dbtaxi ?? []).map((r) => r.verify).filter(Boolean)
  toolRow('db-taxi verify', vList, dbtaxi.verifyMissing ? `not available (${dbtaxi.verifyMissing})` : vList.length ? (vList.some((v) => v.error) ? `failed (${vList.find((v) => v.error).error})` : 'identical') : 'needs a db-taxi copy')
  out()
  out(`  ${'ratio / target'.padEnd(30)} ${'value'.padStart(9)}   ${'target'.padEnd(20)} verdict`)
  checkRow('db-taxi / mysqldump', fmtRatio(r1), `<= ${TARGET.vsMysqldump.toFixed(2)}x`, within(r1, TARGET.vsMysqldump))
  checkRow('db-taxi / mydumper', fmtRatio(r2), `<= ${TARGET.vsMydumper.toFixed(2)}x`, within(r2, TARGET.vsMydumper))
  checkRow('verify / db-taxi copy', fmtRatio(r3), `<= ${TARGET.verifyVsCopy.toFixed(2)}x`, within(r3, TARGET.verifyVsCopy))
  checkRow('db-taxi peak RSS', mb(rss), `<= ${TARGET.rssMb} MB`, withinMb(rss, TARGET.rssMb))
  out(`  mydumper / mysqldump (context) ${fmtRatio(ratio(tMydumper, tMysqldump)).padStart(9)}`)
  return [
    `bench/full-copy ${num(fp.rows)} rows, best of ${ROUNDS}: mysqldump|mariadb ${sec(tMysqldump)}; mydumper+myloader (2 threads) ${sec(tMydumper)}; ` +
      `db-taxi sync --no-verify ${dbtaxi.syncMissing ? 'not available' : sec(tDbtaxi)}; db-taxi verify ${dbtaxi.verifyMissing ? 'not available' : sec(tVerify)}; peak RSS ${mb(rss)}`,
    `  db-taxi/mysqldump ${fmtRatio(r1)} (target <= ${TARGET.vsMysqldump}x) ${verdict(within(r1, TARGET.vsMysqldump))}; ` +
      `db-taxi/mydumper ${fmtRatio(r2)} (<= ${TARGET.vsMydumper}x) ${verdict(within(r2, TARGET.vsMydumper))}; ` +
      `verify/copy ${fmtRatio(r3)} (<= ${TARGET.verifyVsCopy}x) ${verdict(within(r3, TARGET.verifyVsCopy))}; ` +
      `peak RSS ${mb(rss)} (<= ${TARGET.rssMb} MB) ${verdict(withinMb(rss, TARGET.rssMb))}`
  ]
}

function printInsert(res, fp) {
  const tMysqldump = best(res.mysqldump)
  const tDbtaxi = best(res.dbtaxi)
  const rss = peakRss(res.dbtaxi)
  const r = ratio(tDbtaxi, tMysqldump)
  out()
  out(`INSERT path (target local_infile OFF): best of ${ROUNDS} round(s)`)
  toolRow(TOOLS.mysqldump.label, res.mysqldump, statusOf('mysqldump', res.mysqldump))
  toolRow(TOOLS.dbtaxi.label, res.dbtaxi, statusOf('dbtaxi', res.dbtaxi), rss ? `, peak RSS ${mb(rss)}` : '')
  checkRow('db-taxi peak RSS (INSERT)', mb(rss), `<= ${TARGET.rssMb} MB`, withinMb(rss, TARGET.rssMb))
  checkRow('db-taxi / mysqldump (INSERT)', fmtRatio(r), `<= ${TARGET.insertVsMysqldump.toFixed(2)}x`, within(r, TARGET.insertVsMysqldump))
  return [
    `bench/full-copy --insert-path ${num(fp.rows)} rows (target local_infile=OFF), best of ${ROUNDS}: mysqldump|mariadb ${sec(tMysqldump)}; ` +
      `db-taxi ${dbtaxi.syncMissing ? 'not available' : sec(tDbtaxi)}; db-taxi/mysqldump ${fmtRatio(r)} (target <= ${TARGET.insertVsMysqldump}x) ` +
      `${verdict(within(r, TARGET.insertVsMysqldump))}; peak RSS ${mb(rss)} (<= ${TARGET.rssMb} MB) ${verdict(withinMb(rss, TARGET.rssMb))}`
  ]
}

function printRss(points) {
  out()
  out('Peak RSS by table size (db-taxi sync alone)')
  if (dbtaxi.syncMissing) {
    out(`  db-taxi: not available (${dbtaxi.syncMissing})`)
    return [`bench/full-copy --rss-scale: db-taxi not available (${dbtaxi.syncMissing})`]
  }
  for (const p of points) {
    const status = p.invalid ? `INVALID (${p.invalid})` : p.error ? `failed (${p.error})` : 'checksum ok'
    out(`  ${`${num(p.rows)} rows`.padEnd(30)} ${sec(p.error || p.invalid ? null : p.ms).padStart(9)}   ${`peak RSS ${mb(p.rssKb)}`.padEnd(20)} ${status}`)
  }
  const rss = points.map((p) => p.rssKb)
  const measured = rss.every((x) => x != null) && rss.length > 0
  const maxOk = measured ? withinMb(Math.max(...rss), TARGET.rssMb) : null
  const growth = measured && rss.length > 1 ? rss[rss.length - 1] / rss[0] : null
  const growthOk = within(growth, TARGET.rssGrowth)
  checkRow('peak RSS, largest size', mb(measured ? Math.max(...rss) : null), `<= ${TARGET.rssMb} MB`, maxOk)
  checkRow('growth smallest -> largest', fmtRatio(growth), `<= ${TARGET.rssGrowth.toFixed(2)}x (flat)`, growthOk)
  return [
    `bench/full-copy --rss-scale: ${points.map((p) => `${num(p.rows)} rows ${mb(p.rssKb)} (${sec(p.ms)})`).join(', ')}; ` +
      `max <= ${TARGET.rssMb} MB ${verdict(maxOk)}; growth ${fmtRatio(growth)} (<= ${TARGET.rssGrowth}x) ${verdict(growthOk)}`
  ]
}

/** One line on how quiet the machine was while we measured. */
function machineLine() {
  if (!othersLog.length) return `Machine: ${cpus().length} CPUs (load of other processes not measured)`
  const busy = othersLog.filter((x) => x >= BUSY).length
  const max = Math.max(...othersLog)
  return busy
    ? `WARNING: machine busy: other processes took up to ${pct(max)} of the ${cpus().length} CPUs during ${busy} of ${othersLog.length} ` +
        'measurements (marked *); the numbers are noisy, rerun on a quiet machine'
    : `Machine: quiet (other processes took at most ${pct(max)} of the ${cpus().length} CPUs during any measurement)`
}

// ---------------------------------------------------------------------------------------------- main
async function main() {
  for (const bin of ['mariadbd', 'mariadb-install-db']) {
    if (!which(bin) && !existsSync(`/usr/sbin/${bin}`)) throw new Error(`${bin} not found: apt-get install mariadb-server`)
  }
  if (!process.env.PATH.split(':').includes('/usr/sbin')) process.env.PATH += ':/usr/sbin'
  for (const [k, why] of Object.entries(missing)) if (why) log(`${TOOLS[k].label}: skipped, ${why}`)
  if (!GNU_TIME) log('/usr/bin/time not found: peak RSS not measured (apt-get install time)')
  await probeDbTaxi()
  if (dbtaxi.syncMissing) log(`db-taxi: not available (${dbtaxi.syncMissing})`)
  if (dbtaxi.staleWarning) log(`WARNING: ${dbtaxi.staleWarning}`)

  removeStaleRunDirs()
  mkdirSync(work, { recursive: true })
  log(`work dir ${work}`)

  // Same server configuration on both ends, except the default character set: the target's differs so
  // a copy that leans on the target's defaults shows up as a checksum mismatch.
  const common = [
    '--skip-log-bin',
    '--skip-name-resolve',
    `--innodb-buffer-pool-size=${SMOKE ? '256M' : '1G'}`,
    `--innodb-log-file-size=${SMOKE ? '48M' : '256M'}`,
    '--max-allowed-packet=64M',
    '--local-infile=1'
  ]
  const template = join(work, 'template')
  initTemplate(template)
  servers.source = new PrivateServer('source', join(work, 'source'), [...common, '--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci'])
  servers.target = new PrivateServer('target', join(work, 'target'), [...common, '--character-set-server=latin1', '--collation-server=latin1_swedish_ci'])
  await servers.source.createFrom(template)
  await servers.target.createFrom(template)
  rmSync(template, { recursive: true, force: true })
  await Promise.all([servers.source.start(), servers.target.start()])
  const [{ v }] = await servers.source.query('SELECT VERSION() AS v')
  log(`servers up: source 127.0.0.1:${servers.source.port} (utf8mb4), target 127.0.0.1:${servers.target.port} (latin1), ${v}`)

  const report = { rows: ROWS, rounds: ROUNDS, server: v, cpus: cpus().length, smoke: SMOKE, phases: {} }
  const pasteLines = []
  let fp = null
  const needMain = !opt['skip-main']
  if (needMain || opt['insert-path']) {
    await generate(ROWS)
    fp = await sourceFingerprint()
    report.source = { rows: fp.rows, checksum: fp.checksum, ...fp.size }
  }

  out()
  out(`DB-Taxi full-copy benchmark: orders, ${fp ? `${num(fp.rows)} rows, ${size(fp.size.data)} data + ` +
    `${size(fp.size.index)} indexes (~${fp.size.avgRow} B/row)` : 'RSS scale only'}`)
  out(`  ${v}, two servers on 127.0.0.1 (source utf8mb4, target latin1), ${cpus().length} CPUs${SMOKE ? ', SMOKE size: numbers mean nothing' : ''}`)
  if (dbtaxi.staleWarning) out(`  WARNING: ${dbtaxi.staleWarning}`)

  if (needMain) {
    const res = await rounds('r', ['mysqldump', 'mydumper', 'dbtaxi'], fp)
    report.phases.main = res
    pasteLines.push(...printMain(res, fp))
  }

  if (opt['insert-path']) {
    // Restart the target as MySQL 8 ships (LOAD DATA LOCAL refused) and measure db-taxi's INSERT path,
    // the one MySQL targets get (on MariaDB db-taxi would choose array binding).
    log('restarting the target with --local-infile=0')
    await servers.target.stop()
    await servers.target.start(['--local-infile=0'])
    const [{ li }] = await servers.target.query('SELECT @@GLOBAL.local_infile AS li')
    if (Number(li) !== 0) throw new Error('the target still has local_infile on')
    const mainArgs = dbtaxi.writeArgs
    dbtaxi.writeArgs = ['--insert']
    const res = await rounds('i', ['mysqldump', 'dbtaxi'], fp)
    dbtaxi.writeArgs = mainArgs
    report.phases.insertPath = res
    pasteLines.push(...printInsert(res, fp))
    if (RSS_SIZES.length) {
      await servers.target.stop()
      await servers.target.start()
    }
  }

  if (RSS_SIZES.length) {
    const points = []
    if (!dbtaxi.syncMissing) {
      for (const rows of RSS_SIZES) {
        await generate(rows)
        const sfp = await sourceFingerprint()
        const res = await measure('dbtaxi', `rss_${rows}`, sfp)
        points.push({ rows, ms: res.ms, rssKb: res.rssKb, error: res.error, invalid: res.invalid })
        if (res.error) break
      }
    }
    report.phases.rssScale = points
    pasteLines.push(...printRss(points))
  }

  const machine = machineLine()
  out()
  out(machine)
  out()
  out('Lines for a closing note:')
  for (const l of pasteLines) out(l)
  out(machine)
  if (problems.length) {
    out()
    out('Problems:')
    for (const p of problems) out(`  - ${p}`)
  }
  report.problems = problems
  report.dbtaxi = dbtaxi
  if (opt['json-out']) writeFileSync(resolve(opt['json-out']), JSON.stringify(report, null, 2) + '\n')
}

try {
  await main()
} catch (err) {
  failed = true
  if (!aborting) log(`crashed: ${err?.stack ?? err}`)
} finally {
  await teardown()
}
process.exit(aborting ? 130 : failed ? 1 : 0)
