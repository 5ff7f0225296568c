/**
 * Durations as people write them in config: `500ms`, `30s`, `5m`, `1h`, `7d`, or combined `1h30m`.
 * Stored and passed around as milliseconds.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/gy

/**
 * The longest duration anything accepts: 100 years. Far beyond any setting, and small enough that
 * `Date.now() + d` stays an exact integer and a valid Date (`99999999999999999999d` is finite as a
 * Number, but no clock or timer can use it). Keys that feed a timer have a lower limit of their own
 * (config-keys.ts; setTimeout takes at most 2^31-1 ms).
 */
export const MAX_DURATION_MS = 36_500 * UNIT_MS.d!

/** Like setTimeout's own limit (2^31-1 ms, about 24.8 days): past it Node fires the timer after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1

export type DurationRead = { ok: true; ms: number } | { ok: false; reason: 'syntax' | 'too-long' }

/** Reads a duration; says whether it is not one at all or one longer than MAX_DURATION_MS. */
export function readDuration(text: string): DurationRead {
  const s = text.trim()
  if (s === '') return { ok: false, reason: 'syntax' }
  PART.lastIndex = 0
  let total = 0
  let consumed = 0
  let match: RegExpExecArray | null
  while ((match = PART.exec(s)) !== null) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!
    consumed = PART.lastIndex
  }
  if (consumed !== s.length) return { ok: false, reason: 'syntax' }
  // Infinity (a 400-digit count) and anything past the ceiling are too long, never clamped.
  if (!(total <= MAX_DURATION_MS)) return { ok: false, reason: 'too-long' }
  return { ok: true, ms: Math.round(total) }
}

/** Milliseconds, or null when the text is not a duration or is longer than MAX_DURATION_MS. */
export function parseDuration(text: string): number | null {
  const r = readDuration(text)
  return r.ok ? r.ms : null
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
