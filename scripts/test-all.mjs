// `npm test`: typecheck, lint, electronegativity, build, unit, integration and e2e, in that order.
// Every step runs even when an earlier one failed (one run shows every problem); the exit code is
// non-zero if any failed.
// The last line is a plain summary that CI reads: "tests: N passed, N failed".
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const reports = join(root, '.tmp', 'reports')
rmSync(reports, { recursive: true, force: true })
mkdirSync(reports, { recursive: true })

const only = process.argv.slice(2)
const steps = [
  { name: 'typecheck', cmd: ['npm', 'run', '--silent', 'typecheck'] },
  { name: 'lint', cmd: ['npm', 'run', '--silent', 'lint'] },
  // @doyensec/electronegativity over src/, offline; findings above LOW need .electronegativity-justified.json
  { name: 'electronegativity', cmd: ['npm', 'run', '--silent', 'lint:electron'] },
  { name: 'build', cmd: ['npm', 'run', '--silent', 'build'] },
  {
    name: 'unit',
    cmd: ['npx', 'vitest', 'run', '--project', 'unit', '--reporter=default', '--reporter=json', `--outputFile.json=${join(reports, 'unit.json')}`],
    report: join(reports, 'unit.json'),
    kind: 'vitest'
  },
  {
    name: 'integration',
    cmd: ['npx', 'vitest', 'run', '--project', 'integration', '--reporter=default', '--reporter=json', `--outputFile.json=${join(reports, 'integration.json')}`],
    report: join(reports, 'integration.json'),
    kind: 'vitest'
  },
  {
    name: 'e2e',
    cmd: ['npx', 'playwright', 'test'],
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: join(reports, 'e2e.json') },
    report: join(reports, 'e2e.json'),
    kind: 'playwright'
  }
].filter((s) => only.length === 0 || only.includes(s.name))

// The names of the failing tests, printed in the summary: CI keeps only the end of the log, and a
// count alone does not say which test to look at.
function failures(step) {
  if (!step.report || !existsSync(step.report)) return []
  try {
    const r = JSON.parse(readFileSync(step.report, 'utf8'))
    const out = []
    if (step.kind === 'vitest') {
      for (const file of r.testResults ?? []) {
        const rel = file.name ? file.name.replace(root + '/', '') : '?'
        const failedTests = (file.assertionResults ?? []).filter((t) => t.status === 'failed')
        for (const t of failedTests) out.push(`${rel} > ${t.fullName ?? t.title}: ${firstLine(t.failureMessages?.[0])}`)
        // A file that failed to load (or a hook that threw) has no failed test of its own.
        if (file.status === 'failed' && failedTests.length === 0) out.push(`${rel}: ${firstLine(file.message)}`)
      }
      return out
    }
    const walk = (suite) => {
      for (const spec of suite.specs ?? []) {
        for (const t of spec.tests ?? []) {
          if (t.status === 'unexpected' || t.status === 'flaky') {
            const err = t.results?.find((x) => x.error)?.error?.message
            out.push(`${spec.file}:${spec.line} > ${spec.title} (${t.status}): ${firstLine(err)}`)
          }
        }
      }
      for (const s of suite.suites ?? []) walk(s)
    }
    for (const s of r.suites ?? []) walk(s)
    return out
  } catch {
    return []
  }
}

function firstLine(text) {
  // eslint-disable-next-line no-control-regex
  const line = String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '').split('\n').find((l) => l.trim() !== '') ?? ''
  return line.trim().slice(0, 300)
}

function counts(step) {
  if (!step.report || !existsSync(step.report)) return null
  try {
    const r = JSON.parse(readFileSync(step.report, 'utf8'))
    if (step.kind === 'vitest') {
      // A file that failed to load counts as one failure: it has no failed test of its own.
      const brokenFiles = (r.testResults ?? []).filter(
        (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((t) => t.status === 'failed')
      ).length
      return { passed: r.numPassedTests, failed: r.numFailedTests + brokenFiles, skipped: r.numPendingTests + (r.numTodoTests ?? 0) }
    }
    const s = r.stats ?? {}
    return { passed: s.expected ?? 0, failed: (s.unexpected ?? 0) + (s.flaky ?? 0), skipped: s.skipped ?? 0 }
  } catch {
    return null
  }
}

// Which runtime ran the suite, for the CI log (issue 12: the suite must run on Node 24).
process.stdout.write(`test-all: node ${process.version} at ${process.execPath}\n`)

const results = []
for (const step of steps) {
  process.stdout.write(`\n=== ${step.name}: ${step.cmd.join(' ')}\n`)
  const started = Date.now()
  const r = spawnSync(step.cmd[0], step.cmd.slice(1), { cwd: root, stdio: 'inherit', env: { ...process.env, ...(step.env ?? {}) } })
  results.push({ name: step.name, ok: r.status === 0, seconds: (Date.now() - started) / 1000, counts: counts(step), failures: failures(step) })
}

let passed = 0
let failed = 0
let skipped = 0
process.stdout.write('\n=== summary\n')
for (const r of results) {
  const c = r.counts
  if (c) {
    passed += c.passed
    failed += c.failed
    skipped += c.skipped
  }
  // A step that failed without reporting a failing test (typecheck, lint, a crash) still counts.
  if (!r.ok && (!c || c.failed === 0)) failed += 1
  const detail = c ? `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped` : r.ok ? 'ok' : 'FAILED'
  process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(12)} ${detail} (${r.seconds.toFixed(1)}s)\n`)
  for (const f of r.failures.slice(0, 20)) process.stdout.write(`       - ${f}\n`)
}
process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
process.exit(results.every((r) => r.ok) ? 0 : 1)
