import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * capYoungGeneration against V8 itself, in a fresh Node process per case (a flag set in the test's
 * own worker would leak into the other tests, and vitest's own allocations would blur the numbers).
 * Each child calls it with the flags it was started with (the baseline does not call it), then churns through millions of short
 * objects with a rolling window of survivors, as a copy's row stream does, and reports the young
 * generation's size (V8's new_space) before and at its largest.
 */
const modulePath = resolve(__dirname, '..', '..', '..', 'src', 'main', 'headless', 'young-generation.ts')

function churn(nodeFlags: string[], env: Record<string, string> = {}): { capped: boolean | null; start: number; max: number } {
  const script = `
    import v8 from 'node:v8'
    import { capYoungGeneration } from ${JSON.stringify(modulePath)}
    const capped = process.env.CHURN_BASELINE ? null : capYoungGeneration(process.execArgv, process.env.NODE_OPTIONS ?? '')
    const ns = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size
    const start = ns()
    let max = start
    let keep = []
    for (let i = 0; i < 3e6; i++) {
      keep.push({ a: i, b: 'x' + i })
      if (keep.length > 4000) keep = keep.slice(2000)
      if ((i & 0xffff) === 0) max = Math.max(max, ns())
    }
    console.log(JSON.stringify({ capped, start, max }))
  `
  const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', ...nodeFlags, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    timeout: 60_000
  })
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!)
}

describe('capYoungGeneration (real V8)', () => {
  it('keeps the young generation from growing with the number of rows', () => {
    // The baseline never calls it: what V8 does on its own.
    const free = churn([], { CHURN_BASELINE: '1' })
    const capped = churn([])
    expect(capped.capped).toBe(true)
    // Without the cap V8 grows it many times over (1 MB to 32 MB on Node 24). With it, it stays a
    // fraction of that: 2 MB on a quiet machine, up to ~8 MB seen when the machine is busy (V8's other
    // sizing heuristics still act), so the bound is relative to what V8 does on its own.
    expect(free.max).toBeGreaterThanOrEqual(8 * free.start)
    expect(capped.max).toBeLessThanOrEqual(free.max / 3)
  }, 90_000)

  it("leaves the user's own semi-space settings alone, from the command line or NODE_OPTIONS", () => {
    const own = churn(['--max-semi-space-size=64'])
    expect(own.capped).toBe(false)
    expect(own.max).toBeGreaterThanOrEqual(8 * own.start)
    const viaEnv = churn([], { NODE_OPTIONS: '--max-semi-space-size=32' })
    expect(viaEnv.capped).toBe(false)
    expect(viaEnv.max).toBeGreaterThanOrEqual(8 * viaEnv.start)
  }, 90_000)
})
