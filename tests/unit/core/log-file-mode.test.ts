import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../../src/main/sync/logging/logger'
import { Redactor } from '../../../src/main/sync/logging/redact'

/** Issue 10 item 9: log files (the current one, rotated ones, the rotator's audit file) are 0600. */

const mode = (path: string): number => statSync(path).mode & 0o777
const newDir = (): string => mkdtempSync(join(tmpdir(), 'dbt-logmode-'))

describe('log files at rest', () => {
  it('creates the log file and the audit file with mode 0600, and the audit still lists the file', async () => {
    const dir = newDir()
    const logger = createLogger({ level: 'info', format: 'json', logDir: dir, redactor: new Redactor(), console: false })
    logger.info('a line for the file')
    await logger.close()
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log'))
    expect(logs).toHaveLength(1)
    expect(mode(join(dir, logs[0]!))).toBe(0o600)
    expect(readFileSync(join(dir, logs[0]!), 'utf8')).toContain('a line for the file')
    expect(mode(join(dir, '.audit.json'))).toBe(0o600)
    // Retention keeps working: the rotator adopted the pre-created audit file and recorded the log in it.
    const audit = JSON.parse(readFileSync(join(dir, '.audit.json'), 'utf8')) as { files: { name: string }[]; keep: unknown }
    expect(audit.files.map((f) => f.name)).toEqual([join(dir, logs[0]!)])
    expect(audit.keep).toEqual({ days: true, amount: 14 })
  })

  it('creates rotated files with mode 0600 too', async () => {
    const dir = newDir()
    const logger = createLogger({ level: 'info', format: 'json', logDir: dir, redactor: new Redactor(), console: false, rotateSize: '1k' })
    for (let i = 0; i < 40; i++) logger.info(`line ${i} ${'x'.repeat(100)}`)
    await logger.close()
    const logs = readdirSync(dir).filter((f) => /\.log(\.\d+)?$/.test(f))
    expect(logs.length).toBeGreaterThan(1)
    for (const f of logs) expect([f, mode(join(dir, f))]).toEqual([f, 0o600])
    expect(mode(join(dir, '.audit.json'))).toBe(0o600)
  })

  it('tightens log files and an audit file an older version left readable by others', async () => {
    const dir = newDir()
    const old = join(dir, 'db-taxi-2020-01-01.log')
    writeFileSync(old, '{"message":"old"}\n')
    chmodSync(old, 0o644)
    writeFileSync(join(dir, '.audit.json'), JSON.stringify({ keep: { days: true, amount: 14 }, auditLog: join(dir, '.audit.json'), files: [] }))
    chmodSync(join(dir, '.audit.json'), 0o644)
    const other = join(dir, 'notes.txt')
    writeFileSync(other, 'not ours')
    chmodSync(other, 0o644)
    const logger = createLogger({ level: 'info', format: 'json', logDir: dir, redactor: new Redactor(), console: false })
    logger.info('new')
    await logger.close()
    expect(mode(old)).toBe(0o600)
    expect(mode(join(dir, '.audit.json'))).toBe(0o600)
    // Files DB-Taxi did not write are not its business.
    expect(mode(other)).toBe(0o644)
  })
})
