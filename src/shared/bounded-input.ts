import type { z } from 'zod'
import { syncOptionsSchema } from './syncs'

/**
 * Numbers typed by people (command-line flags, environment variables) are read here, against a
 * range, so a value the contract would refuse never reaches a loop or a pool size: `--parallel 100000`
 * once opened sessions until the server ran out of connections for every client.
 */

export interface IntRange {
  min: number
  max: number
}

/** The bounds a zod number schema enforces, read back from it rather than restated. */
function rangeOf(schema: z.ZodNumber): IntRange {
  const { minValue, maxValue } = schema
  if (minValue === null || maxValue === null) throw new Error('the contract leaves a number unbounded')
  return { min: minValue, max: maxValue }
}

/** The sync options' limits as the contract (syncOptionsSchema) enforces them: the CLI and config use these. */
export const PARALLELISM_RANGE: IntRange = rangeOf(syncOptionsSchema.shape.parallelism.unwrap())
export const CHUNK_ROWS_RANGE: IntRange = rangeOf(syncOptionsSchema.shape.chunkRows.unwrap())

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string }

/** How a refused value is quoted in a message: visible whitespace and control characters, and short. */
export function shown(text: string): string {
  const s = text.length > 40 ? `${text.slice(0, 40)}...` : text
  return JSON.stringify(s)
}

/**
 * A whole number written in decimal ASCII digits and nothing else: no spaces, no sign but a leading
 * minus, no `0x10`, `1e3`, `1_000` or non-ASCII digits (Number() would take some of those, and
 * JavaScript's `\d` with the u flag others).
 */
const WHOLE = /^-?[0-9]+$/

export function parseWholeNumber(text: string, range: IntRange): Parsed<number> {
  const expected = `a whole number from ${range.min} to ${range.max}`
  if (!WHOLE.test(text)) return { ok: false, message: `expected ${expected}, got ${shown(text)}` }
  // + 0 turns -0 into 0; digits past 2^53 are not a safe integer and so out of any range we use.
  const n = Number(text) + 0
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) return { ok: false, message: `expected ${expected}, got ${shown(text)}` }
  return { ok: true, value: n }
}
