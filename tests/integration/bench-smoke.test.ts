import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { requireTool } from '../helpers/ci'

// The benchmark is not a test (timings are noisy here); this smoke run keeps it working: two private
// servers, a tiny orders table, every tool once, checksums compared. It fails only on a crash or a
// checksum mismatch, or (in CI) when a peer is missing; elsewhere a missing peer skips it loudly.
describe('bench/full-copy --smoke', () => {
  it('runs db-taxi and its peers side by side and every copy is checksum-identical', (ctx) => {
    const root = resolve(__dirname, '..', '..')
    const r = spawnSync(process.execPath, [resolve(root, 'bench', 'full-copy.mjs'), '--smoke'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 170_000
    })
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0)
    expect(r.stdout).toMatch(/db-taxi sync --no-verify\s+[\d.]+ s/)
    expect(r.stdout).not.toMatch(/not available/)
    // A peer the machine lacks is reported as "<tool>: skipped, <why>".
    const skipped = /^(?:\[bench\] )?(mysqldump \| mariadb|mydumper \+ myloader[^:]*): skipped, (.*)$/m.exec(`${r.stdout}\n${r.stderr}`)
    if (skipped) requireTool(ctx, skipped[1]!, skipped[2]!)
    // And each peer really ran: its row shows a time.
    expect(r.stdout).toMatch(/mysqldump \| mariadb\s+[\d.]+ s/)
    expect(r.stdout).toMatch(/mydumper \+ myloader \(2 thr\)\s+[\d.]+ s/)
  }, 180_000)
})
