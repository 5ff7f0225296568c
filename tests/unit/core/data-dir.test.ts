import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/main/sync/config/config-error'
import { prepareDataDir } from '../../../src/main/sync/store/data-dir'

/** The data dir is checked and made private once, before anything is written into it (issue 10 items 3 and 9). */

const made: string[] = []
const scratch = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'dbt-datadir-'))
  made.push(d)
  return d
}
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true })
})

const refusal = (dir: string, origin = '--data-dir'): string => {
  try {
    prepareDataDir(dir, origin)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    const message = (err as Error).message
    expect(message).not.toContain('\n')
    expect(message.startsWith(`data dir ${dir} (${origin}) `)).toBe(true)
    return message
  }
  throw new Error(`${dir} was accepted`)
}

describe('prepareDataDir', () => {
  it('creates a missing dir and its missing parents private (0700), leaving nothing else in it', () => {
    const dir = join(scratch(), 'a', 'b', 'data')
    expect(prepareDataDir(dir, '--data-dir')).toEqual({ path: dir, warnings: [] })
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(join(dir, '..')).mode & 0o777).toBe(0o700)
    expect(readdirSync(dir)).toEqual([])
  })

  it('tightens a dir made by hand with 0755 to 0700 and says so', () => {
    const dir = join(scratch(), 'loose')
    mkdirSync(dir, { mode: 0o755 })
    chmodSync(dir, 0o755)
    const { warnings } = prepareDataDir(dir, 'DBT_DATA_DIR')
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(warnings).toEqual([`data dir ${dir} was mode 0755, open to other users; tightened to 0700`])
    expect(prepareDataDir(dir, 'DBT_DATA_DIR').warnings).toEqual([])
  })

  it('refuses a regular file, a path through a file, a named pipe and a dangling link', () => {
    const root = scratch()
    const file = join(root, 'file')
    writeFileSync(file, 'x')
    expect(refusal(file)).toMatch(/is not a directory \(it is a regular file\)$/)
    expect(refusal(join(file, 'sub'))).toMatch(/a part of the path is not a directory \(ENOTDIR\)$/)
    const fifo = join(root, 'fifo')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    expect(refusal(fifo, 'config.yaml:3')).toMatch(/is not a directory \(it is a named pipe\)$/)
    const dangling = join(root, 'dangling')
    symlinkSync(join(root, 'nowhere'), dangling)
    expect(refusal(join(dangling, 'data'))).toMatch(/is a symbolic link to nothing$/)
  })

  it('refuses /proc and /sys at once (a recursive mkdir under /proc never returns on Node 20 or 24)', () => {
    expect(refusal('/proc')).toMatch(/is on a proc filesystem/)
    expect(refusal('/proc/db-taxi/data')).toMatch(/is on a proc filesystem/)
    expect(refusal('/proc/self/fd')).toMatch(/is on a proc filesystem/)
    expect(refusal('/sys/kernel/db-taxi')).toMatch(/is on a sysfs filesystem/)
  })

  // Root writes through any mode bits (tests/integration/headless/cli-bounds.test.ts runs the CLI
  // as another uid for this); a dir of mode 0500 stops everyone else.
  it.skipIf(process.getuid?.() === 0)('refuses a dir it cannot write in', () => {
    const dir = join(scratch(), 'ro')
    mkdirSync(dir, { mode: 0o500 })
    expect(refusal(dir)).toMatch(/is not writable: permission denied \(EACCES\)$/)
  })

  it('refuses a NUL in the path', () => {
    expect(refusal('/tmp/a\0b')).toMatch(/contains a NUL character$/)
  })
})
