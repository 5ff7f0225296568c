/**
 * Durations as people write them in config: `500ms`, `30s`, `5m`, `1h`, `7d`, or combined `1h30m`.
 * Stored and passed around as milliseconds.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy

export function parseDuration(text: string): number | null {
  const s = text.trim()
  if (s === '') return null
  PART.lastIndex = 0
  let total = 0
  let consumed = 0
  let match: RegExpExecArray | null
  while ((match = PART.exec(s)) !== null) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!
    consumed = PART.lastIndex
  }
  if (consumed !== s.length || !Number.isFinite(total)) return null
  return Math.round(total)
}

/** The shortest exact spelling of a duration, for display and `config print`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s'
  let rest = ms
  let out = ''
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit]!
    if (rest >= size) {
      const n = Math.floor(rest / size)
      out += `${n}${unit}`
      rest -= n * size
    }
  }
  return out
}
