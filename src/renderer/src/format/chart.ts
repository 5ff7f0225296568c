/** Geometry of the small bar charts on the Dashboard. Pure, unit-tested. */

export interface Bar {
  x: number
  y: number
  width: number
  height: number
  value: number
  t: string
}

/** A "nice" axis maximum at or above `max`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceMax(max: number): number {
  if (!Number.isFinite(max) || max <= 0) return 1
  const p = Math.pow(10, Math.floor(Math.log10(max)))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p
  return 10 * p
}

/** Bars for points in time order, filling `width` x `height` with a small gap; zero values get no bar. */
export function barLayout(points: { t: string; value: number }[], width: number, height: number, gap = 1): { bars: Bar[]; max: number } {
  const max = niceMax(Math.max(0, ...points.map((p) => p.value)))
  const n = Math.max(points.length, 1)
  const slot = width / n
  const w = Math.max(1, slot - gap)
  const bars = points.map((p, i) => {
    const h = p.value > 0 ? Math.max(1, (p.value / max) * height) : 0
    return { x: i * slot, y: height - h, width: w, height: h, value: p.value, t: p.t }
  })
  return { bars, max }
}
