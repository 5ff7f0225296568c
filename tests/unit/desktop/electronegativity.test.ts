import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  findInlineDisables,
  JUSTIFICATIONS_FILE,
  matchFindings,
  needsJustification,
  normalizeFinding,
  parseJustifications,
  runElectronegativity,
  type Finding,
  type Justification
} from '../../../scripts/electronegativity.mjs'

const repoRoot = resolve(__dirname, '../../..')
const REASON = 'reviewed: the argument is checked against an allowlist first'

function finding(over: Partial<Finding> = {}): Finding {
  return {
    check: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'src/main/desktop/security.ts',
    line: 10,
    column: 4,
    severity: 'MEDIUM',
    confidence: 'TENTATIVE',
    manualReview: true,
    description: 'Review the use of openExternal',
    ...over
  }
}

const justification = (over: Partial<Justification> = {}): Justification => ({
  check: 'OPEN_EXTERNAL_JS_CHECK',
  file: 'src/main/desktop/security.ts',
  reason: REASON,
  count: 1,
  ...over
})

describe('needsJustification', () => {
  it('lets LOW and INFORMATIONAL pass, and asks for everything above (and anything unknown)', () => {
    expect(needsJustification('INFORMATIONAL')).toBe(false)
    expect(needsJustification('LOW')).toBe(false)
    expect(needsJustification('MEDIUM')).toBe(true)
    expect(needsJustification('HIGH')).toBe(true)
    expect(needsJustification('CRITICAL')).toBe(true)
  })
})

describe('matchFindings', () => {
  it('fails on a finding above LOW that nothing justifies', () => {
    const f = finding()
    const m = matchFindings([f], [])
    expect(m.ok).toBe(false)
    expect(m.unjustified).toEqual([f])
  })

  it('passes when a justification names the same check and file', () => {
    const f = finding()
    const m = matchFindings([f], [justification()])
    expect(m.ok).toBe(true)
    expect(m.justified).toEqual([{ justification: justification(), findings: [f] }])
    expect(m.unjustified).toEqual([])
  })

  it('does not let a justification for one file cover another, and calls it stale', () => {
    const f = finding({ file: 'src/main/desktop/window.ts' })
    const m = matchFindings([f], [justification()])
    expect(m.ok).toBe(false)
    expect(m.unjustified).toEqual([f])
    expect(m.stale).toEqual([justification()])
  })

  it('does not let a justification for one check cover another in the same file', () => {
    const f = finding({ check: 'SANDBOX_JS_CHECK', severity: 'HIGH' })
    const m = matchFindings([f], [justification()])
    expect(m.ok).toBe(false)
    expect(m.unjustified).toEqual([f])
    expect(m.stale).toHaveLength(1)
  })

  it('fails on a justification that matches nothing (stale), even with no findings at all', () => {
    const m = matchFindings([], [justification()])
    expect(m.ok).toBe(false)
    expect(m.stale).toEqual([justification()])
  })

  it('lets LOW and INFORMATIONAL findings pass unjustified', () => {
    const low = finding({ check: 'CSP_GLOBAL_CHECK', severity: 'LOW' })
    const info = finding({ check: 'X_CHECK', severity: 'INFORMATIONAL' })
    const m = matchFindings([low, info], [])
    expect(m.ok).toBe(true)
    expect(m.low).toEqual([low, info])
  })

  it('counts occurrences: a second finding in a justified file fails until the count says 2', () => {
    const a = finding({ line: 10 })
    const b = finding({ line: 40 })
    const once = matchFindings([a, b], [justification()])
    expect(once.ok).toBe(false)
    expect(once.miscounted).toEqual([{ justification: justification(), found: 2 }])
    expect(matchFindings([a, b], [justification({ count: 2 })]).ok).toBe(true)
    expect(matchFindings([a], [justification({ count: 2 })]).ok).toBe(false)
  })

  it('matches app-wide findings by the file "N/A"', () => {
    const f = finding({ check: 'LIMIT_NAVIGATION_GLOBAL_CHECK', file: 'N/A', severity: 'HIGH' })
    expect(matchFindings([f], [justification({ check: 'LIMIT_NAVIGATION_GLOBAL_CHECK', file: 'N/A' })]).ok).toBe(true)
  })
})

describe('parseJustifications', () => {
  const doc = (justified: unknown) => JSON.stringify({ justified })

  it('reads entries and defaults count to 1', () => {
    expect(parseJustifications(doc([{ check: 'OPEN_EXTERNAL_JS_CHECK', file: 'src/a.ts', reason: `  ${REASON} ` }]))).toEqual([
      { check: 'OPEN_EXTERNAL_JS_CHECK', file: 'src/a.ts', reason: REASON, count: 1 }
    ])
  })

  it.each([
    ['invalid JSON', '{', /not valid JSON/],
    ['no array', '{"justified": {}}', /"justified" array/],
    ['an unknown key', doc([{ check: 'A_CHECK', file: 'src/a.ts', reason: REASON, line: 3 }]), /unknown key "line"/],
    ['a bad check id', doc([{ check: 'openExternal', file: 'src/a.ts', reason: REASON }]), /check id/],
    ['an absolute path', doc([{ check: 'A_CHECK', file: '/work/src/a.ts', reason: REASON }]), /repository-relative/],
    ['backslashes', doc([{ check: 'A_CHECK', file: 'src\\a.ts', reason: REASON }]), /forward slashes/],
    ['no reason', doc([{ check: 'A_CHECK', file: 'src/a.ts', reason: 'ok' }]), /reason must say why/],
    ['a bad count', doc([{ check: 'A_CHECK', file: 'src/a.ts', reason: REASON, count: 0 }]), /positive integer/],
    [
      'a repeated check and file',
      doc([
        { check: 'A_CHECK', file: 'src/a.ts', reason: REASON },
        { check: 'A_CHECK', file: 'src/a.ts', reason: REASON }
      ]),
      /use "count"/
    ]
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseJustifications(text)).toThrow(message)
  })

  it('accepts the repository’s own file', () => {
    const entries = parseJustifications(readFileSync(join(repoRoot, JUSTIFICATIONS_FILE), 'utf8'))
    expect(entries.length).toBeGreaterThan(0)
  })
})

describe('normalizeFinding', () => {
  it('reports repository-relative paths with forward slashes, and N/A as is', () => {
    const issue = {
      id: 'SANDBOX_JS_CHECK',
      file: join(repoRoot, 'src', 'main', 'desktop', 'window.ts'),
      location: { line: 3, column: 7 },
      severity: { name: 'MEDIUM' },
      confidence: { name: 'FIRM' },
      manualReview: false,
      description: 'd'
    }
    expect(normalizeFinding(issue, repoRoot)).toMatchObject({ check: 'SANDBOX_JS_CHECK', file: 'src/main/desktop/window.ts', line: 3, severity: 'MEDIUM' })
    expect(normalizeFinding({ ...issue, file: 'N/A' }, repoRoot).file).toBe('N/A')
  })
})

describe('the analyzer through the wrapper (offline)', () => {
  let root: string
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'dbt-electronegativity-'))
    mkdirSync(join(root, 'src'))
    writeFileSync(
      join(root, 'src', 'bad.ts'),
      [
        "import { BrowserWindow, shell } from 'electron'",
        'const names = [1] as const satisfies readonly number[]',
        'export function open(url: string): BrowserWindow {',
        '  const w = new BrowserWindow({ webPreferences: { contextIsolation: false, sandbox: false } })',
        '  void shell.openExternal(url)',
        '  return w',
        '}',
        ''
      ].join('\n')
    )
    writeFileSync(join(root, 'src', 'hidden.ts'), '// eng-disable OPEN_EXTERNAL_JS_CHECK\n')
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('parses TypeScript, names source files, and reaches nothing but its stubbed downloader', async () => {
    const r = await runElectronegativity({ root, electronVersion: '45.5.0', resolveFrom: repoRoot })
    expect(r.errors.filter((e) => !e.tolerable)).toEqual([])
    const ids = r.findings.filter((f) => f.file === 'src/bad.ts').map((f) => `${f.check}:${f.line}`)
    expect(ids).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK:4', 'SANDBOX_JS_CHECK:4', 'OPEN_EXTERNAL_JS_CHECK:5']))
    // No release-list check, and the only network use was the translation download, refused by the stub.
    expect(r.findings.map((f) => f.check)).not.toContain('AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK')
    expect(r.blocked.every((b) => b.startsWith('got https://electronegativity-i18n.'))).toBe(true)
    expect(r.blocked.some((b) => b.startsWith('socket'))).toBe(false)
    const m = matchFindings(r.findings, [])
    expect(m.ok).toBe(false)
    expect(m.unjustified.map((f) => f.check)).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK']))
  })

  it('finds inline eng-disable comments (they would hide findings from the justification file)', () => {
    expect(findInlineDisables(join(root, 'src'), root)).toEqual(['src/hidden.ts'])
  })
})
