// Types for scripts/electronegativity.mjs (plain Node, so `npm test` runs it without a build), for
// its unit test in tests/unit/desktop/electronegativity.test.ts.
export type Severity = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | (string & {})

export interface Finding {
  check: string
  /** Repository-relative, forward slashes; "N/A" for app-wide findings. */
  file: string
  line: number
  column: number
  severity: Severity
  confidence: string
  manualReview: boolean
  description: string
}

export interface Justification {
  check: string
  file: string
  reason: string
  count: number
}

export interface MatchResult {
  justified: { justification: Justification; findings: Finding[] }[]
  unjustified: Finding[]
  low: Finding[]
  stale: Justification[]
  miscounted: { justification: Justification; found: number }[]
  ok: boolean
}

export const JUSTIFICATIONS_FILE: string
export const INPUT: string
export const FAIL_ABOVE: Severity
export const SEVERITIES: readonly Severity[]
export const EXCLUDED_CHECKS: readonly string[]

export function needsJustification(severity: Severity, threshold?: Severity): boolean
export function parseJustifications(text: string, source?: string): Justification[]
export function matchFindings(findings: Finding[], justifications: Justification[], threshold?: Severity): MatchResult
export function normalizeFinding(issue: unknown, root: string): Finding
export function findInlineDisables(dir: string, root?: string): string[]
export function runElectronegativity(opts: { root: string; input?: string; electronVersion?: string; resolveFrom?: string }): Promise<{
  findings: Finding[]
  errors: { file: string; message: string; tolerable: boolean }[]
  checks: number
  blocked: string[]
  said: string[]
}>
