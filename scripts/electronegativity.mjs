// `npm run lint:electron`, also a step of `npm test`: runs @doyensec/electronegativity (an outside
// analyzer for Electron misconfigurations) over the app's sources and fails when a finding above LOW
// is not justified in .electronegativity-justified.json, or when a justification there matches
// nothing (stale) or a different number of findings than it says.
//
// Offline by construction. The analyzer makes two network calls of its own, both through `got`:
// its runner always downloads translations (dist/locales/i18n.js, from S3), and the global check
// AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK downloads Electron's release list from GitHub. Neither has
// a flag to turn it off, and the CLI (dist/index.js) needs a commander version this project does
// not have, so this wrapper calls the runner in-process with that check excluded, with `got`
// replaced by a stub that refuses, and with outbound sockets refused while it runs.
//
// It reads TypeScript itself (@babel/parser with the typescript plugin), so it runs on src/ and
// every finding names a source file; one run over all of src/ lets its global checks (navigation
// limits, permission handler, CSP) see the whole app at once.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire, Module } from 'node:module'
import net from 'node:net'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const JUSTIFICATIONS_FILE = '.electronegativity-justified.json'
/** What is analysed, relative to the repository root. */
export const INPUT = 'src'
/** Findings of this severity or lower pass without a justification. */
export const FAIL_ABOVE = 'LOW'
export const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH']
/** Needs the network (Electron's release list); this project pins and upgrades Electron on purpose. */
export const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck']

/** True when a finding of `severity` needs a justification (an unknown severity does, to be safe). */
export function needsJustification(severity, threshold = FAIL_ABOVE) {
  const i = SEVERITIES.indexOf(severity)
  return i === -1 || i > SEVERITIES.indexOf(threshold)
}

const CHECK_ID = /^[A-Z0-9_]+$/
const ENTRY_KEYS = new Set(['check', 'file', 'reason', 'count'])

/**
 * Parses the justification file: `{ "justified": [ { check, file, reason, count? } ] }`. `file` is the
 * repository-relative path the analyzer reports (forward slashes; "N/A" for app-wide findings),
 * `count` how many findings of that check in that file the entry covers (default 1), so a second
 * unreviewed occurrence in a justified file still fails. Throws on anything malformed.
 */
export function parseJustifications(text, source = JUSTIFICATIONS_FILE) {
  let doc
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${err.message})`)
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.justified)) {
    throw new Error(`${source}: expected an object with a "justified" array`)
  }
  const seen = new Set()
  return doc.justified.map((entry, i) => {
    const where = `${source}: justified[${i}]`
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new Error(`${where} is not an object`)
    for (const key of Object.keys(entry)) {
      if (!ENTRY_KEYS.has(key)) throw new Error(`${where} has an unknown key "${key}"`)
    }
    const { check, file, reason } = entry
    if (typeof check !== 'string' || !CHECK_ID.test(check)) throw new Error(`${where}.check must be a check id such as OPEN_EXTERNAL_JS_CHECK`)
    if (typeof file !== 'string' || file === '' || file.includes('\\') || file.startsWith('/')) {
      throw new Error(`${where}.file must be a repository-relative path with forward slashes (or "N/A")`)
    }
    if (typeof reason !== 'string' || reason.trim().length < 20) throw new Error(`${where}.reason must say why, in at least 20 characters`)
    const count = entry.count ?? 1
    if (!Number.isInteger(count) || count < 1) throw new Error(`${where}.count must be a positive integer`)
    const key = `${check} ${file}`
    if (seen.has(key)) throw new Error(`${where} repeats ${check} for ${file}; use "count" instead`)
    seen.add(key)
    return { check, file, reason: reason.trim(), count }
  })
}

/**
 * Findings against justifications. A justification covers the findings with its check id and
 * file, whatever their severity. The run passes when every finding above `threshold` is covered,
 * every justification covers exactly `count` findings (none: stale; other: miscounted).
 */
export function matchFindings(findings, justifications, threshold = FAIL_ABOVE) {
  const covered = new Set()
  const justified = []
  const stale = []
  const miscounted = []
  for (const j of justifications) {
    const hits = findings.filter((f) => f.check === j.check && f.file === j.file)
    for (const f of hits) covered.add(f)
    if (hits.length === 0) stale.push(j)
    else if (hits.length !== j.count) miscounted.push({ justification: j, found: hits.length })
    else justified.push({ justification: j, findings: hits })
  }
  const rest = findings.filter((f) => !covered.has(f))
  const unjustified = rest.filter((f) => needsJustification(f.severity, threshold))
  const low = rest.filter((f) => !needsJustification(f.severity, threshold))
  return { justified, unjustified, low, stale, miscounted, ok: unjustified.length === 0 && stale.length === 0 && miscounted.length === 0 }
}

/** The analyzer's issue object -> what this wrapper reasons about (paths relative to `root`). */
export function normalizeFinding(issue, root) {
  const file = issue.file && issue.file !== 'N/A' ? relative(root, issue.file).split(sep).join('/') : 'N/A'
  return {
    check: issue.id,
    file,
    line: issue.location?.line ?? 0,
    column: issue.location?.column ?? 0,
    severity: issue.severity?.name ?? 'UNKNOWN',
    confidence: issue.confidence?.name ?? 'UNKNOWN',
    manualReview: Boolean(issue.manualReview),
    description: issue.description ?? ''
  }
}

/** Files under `dir` with an inline `eng-disable` comment: they would hide findings from this run. */
export function findInlineDisables(dir, root = dir) {
  const hits = []
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue
    const full = join(dir, name)
    if (statSync(full).isDirectory()) hits.push(...findInlineDisables(full, root))
    else if (/\.(?:[cm]?[jt]sx?|html?)$/.test(name) && /eng-disable/.test(readFileSync(full, 'utf8'))) {
      hits.push(relative(root, full).split(sep).join('/'))
    }
  }
  return hits
}

/**
 * Makes the analyzer unable to reach the network: its `got` becomes a stub that refuses, and any
 * outbound socket opened meanwhile is refused too (in case a later version adds another call).
 * Returns what was attempted and a function that restores sockets.
 */
function blockNetwork(runnerPath) {
  const attempts = []
  const refuse = (url) => {
    attempts.push(`got ${String(url)}`)
    return Promise.reject(new Error('network access is blocked while electronegativity runs'))
  }
  const stub = Object.assign(refuse, { head: refuse, get: refuse, extend: () => stub })
  const dist = dirname(runnerPath)
  const stubbed = []
  for (const from of [join(dist, 'locales', 'i18n.js'), join(dist, 'finder', 'checks', 'GlobalChecks', 'AvailableSecurityFixesGlobalCheck.js')]) {
    const gotPath = createRequire(from).resolve('got')
    const m = new Module(gotPath)
    m.filename = gotPath
    m.exports = stub
    m.loaded = true
    Module._cache[gotPath] = m
    stubbed.push(gotPath)
  }
  const connect = net.Socket.prototype.connect
  net.Socket.prototype.connect = function (...args) {
    const target = typeof args[0] === 'object' && args[0] !== null ? (args[0].host ?? args[0].path) : args[1] ?? args[0]
    attempts.push(`socket ${String(target)}`)
    throw new Error('network access is blocked while electronegativity runs')
  }
  const restore = () => {
    net.Socket.prototype.connect = connect
    for (const p of stubbed) if (Module._cache[p]?.exports === stub) delete Module._cache[p]
  }
  return { attempts, restore }
}

/** Runs the analyzer in this process over `root/INPUT`, offline; returns findings and parse errors. */
export async function runElectronegativity({ root, input = INPUT, electronVersion, resolveFrom = root }) {
  const require = createRequire(join(resolveFrom, 'package.json'))
  const runnerPath = require.resolve('@doyensec/electronegativity/dist/runner.js')
  const blocker = blockNetwork(runnerPath)
  const log = console.log
  const said = []
  // The runner prints one line when its (blocked) translation download fails; keep the rest.
  console.log = (...args) => said.push(args.join(' '))
  try {
    const mod = require(runnerPath)
    const run = mod.default ?? mod
    const result = await run(
      {
        input: resolve(root, input),
        customScan: [],
        excludeFromScan: EXCLUDED_CHECKS.map((c) => c.toLowerCase()),
        electronVersionOverride: electronVersion,
        isRelative: false,
        parserPlugins: []
      },
      false
    )
    return {
      findings: result.issues.map((i) => normalizeFinding(i, root)),
      errors: result.errors.map((e) => ({ file: relative(root, e.file).split(sep).join('/'), message: e.message, tolerable: e.tolerable })),
      checks: result.globalChecks + result.atomicChecks,
      blocked: blocker.attempts,
      said: said.filter((line) => !/Could not retrieve updated translations/.test(line))
    }
  } finally {
    console.log = log
    blocker.restore()
  }
}

function where(f) {
  return f.file === 'N/A' ? 'app-wide' : `${f.file}:${f.line}:${f.column}`
}

async function main() {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  const require = createRequire(join(root, 'package.json'))
  const analyzerVersion = require('@doyensec/electronegativity/package.json').version
  const electronVersion = require('electron/package.json').version
  const out = (line = '') => process.stdout.write(`${line}\n`)
  out(`electronegativity ${analyzerVersion} over ${INPUT}/ for Electron ${electronVersion} (offline; not run: ${EXCLUDED_CHECKS.join(', ')})`)

  const problems = []
  const disables = findInlineDisables(join(root, INPUT), root)
  for (const file of disables) problems.push(`${file}: an inline eng-disable comment; justify findings in ${JUSTIFICATIONS_FILE} instead`)

  const justificationPath = join(root, JUSTIFICATIONS_FILE)
  const justifications = existsSync(justificationPath) ? parseJustifications(readFileSync(justificationPath, 'utf8')) : []
  const result = await runElectronegativity({ root, electronVersion })
  for (const line of result.said) out(`  analyzer: ${line}`)
  for (const b of result.blocked) out(`  offline: refused the analyzer's request (${b})`)
  for (const e of result.errors) {
    if (e.tolerable) out(`  note: ${e.file}: ${e.message}`)
    else problems.push(`${e.file}: the analyzer could not parse it (${e.message}), so it was not checked`)
  }

  const m = matchFindings(result.findings, justifications)
  out(`${result.checks} checks, ${result.findings.length} findings`)
  for (const { justification, findings } of m.justified) {
    for (const f of findings) out(`  justified  ${f.check} ${f.severity}/${f.confidence} ${where(f)}\n             ${justification.reason}`)
  }
  for (const f of m.low) out(`  low        ${f.check} ${f.severity}/${f.confidence} ${where(f)}: ${f.description}`)
  for (const f of m.unjustified) {
    problems.push(`${f.check} ${f.severity}/${f.confidence} at ${where(f)}: ${f.description} (fix it, or justify it in ${JUSTIFICATIONS_FILE})`)
  }
  for (const j of m.stale) problems.push(`stale justification: ${j.check} in ${j.file} matches no finding; remove it from ${JUSTIFICATIONS_FILE}`)
  for (const { justification: j, found } of m.miscounted) {
    problems.push(`${j.check} in ${j.file}: ${found} findings, the justification covers ${j.count}; review the new ones and update "count"`)
  }

  if (problems.length === 0) {
    out(`electronegativity: ok (nothing above ${FAIL_ABOVE} left unjustified)`)
    return 0
  }
  for (const p of problems) out(`  FAIL       ${p}`)
  out(`electronegativity: ${problems.length} problem(s)`)
  return 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`electronegativity: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(2)
    }
  )
}
