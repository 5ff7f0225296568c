import { describe, expect, it } from 'vitest'
import { REDACTED, Redactor } from '../../../src/main/sync/logging/redact'
import { createLogger } from '../../../src/main/sync/logging/logger'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

describe('redaction', () => {
  const r = new Redactor()

  it('masks credentials in URLs', () => {
    expect(r.text('connecting to mysql://root:hunter2@db:3306/app')).toBe(`connecting to mysql://root:${REDACTED}@db:3306/app`)
    expect(r.text('https://u:p@x.example/')).toBe(`https://u:${REDACTED}@x.example/`)
    expect(r.text('mysql://root@db:3306/app')).toBe('mysql://root@db:3306/app')
  })

  it('masks password= pairs, bearer tokens and #token= fragments', () => {
    expect(r.text('host=db password=s3cret user=x')).toBe(`host=db password=${REDACTED} user=x`)
    expect(r.text('Authorization: Bearer abc.def-ghi')).toBe(`Authorization: Bearer ${REDACTED}`)
    expect(r.text('open http://127.0.0.1:8080/#token=xyz123')).toBe(`open http://127.0.0.1:8080/#token=${REDACTED}`)
  })

  it('masks values under secret-looking keys, deeply, and keeps the rest', () => {
    const out = r.value({ user: 'a', password: 'p', ssh: { passphrase: 'q', privateKey: 'k', host: 'h' }, list: [{ token: 't' }] })
    expect(out).toEqual({
      user: 'a',
      password: REDACTED,
      ssh: { passphrase: REDACTED, privateKey: REDACTED, host: 'h' },
      list: [{ token: REDACTED }]
    })
  })

  it('masks registered literal secrets anywhere, including error messages and stacks', () => {
    const rr = new Redactor()
    rr.addSecret('Zebra-42-Quartz')
    const err = new Error("Access denied for user 'x' (using password: Zebra-42-Quartz)")
    const out = rr.value({ err }) as { err: { message: string; stack: string } }
    expect(out.err.message).not.toContain('Zebra-42-Quartz')
    expect(out.err.stack).not.toContain('Zebra-42-Quartz')
    expect(rr.text('a Zebra-42-Quartz b Zebra-42-Quartz')).toBe(`a ${REDACTED} b ${REDACTED}`)
  })

  it('survives cycles and buffers', () => {
    const a: Record<string, unknown> = { name: 'a' }
    a.self = a
    expect(() => r.value(a)).not.toThrow()
    expect(r.value({ b: Buffer.from('xyz') })).toEqual({ b: '[3 bytes]' })
  })

  it('keeps secrets out of log files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbt-log-'))
    const redactor = new Redactor()
    redactor.addSecret('Literal-Secret-777')
    const logger = createLogger({ level: 'debug', format: 'json', logDir: dir, redactor, console: false })
    logger.info('connecting mysql://root:UrlSecret1@h/db', { password: 'FieldSecret1', note: 'Literal-Secret-777' })
    logger.child({ token: 'ChildToken1' }).warn('child')
    await logger.close()
    const text = readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('')
    expect(text).toContain('connecting')
    for (const secret of ['UrlSecret1', 'FieldSecret1', 'Literal-Secret-777', 'ChildToken1']) expect(text).not.toContain(secret)
  })
})

describe('redaction keeps messages readable', () => {
  it("keeps MySQL's (using password: YES) and the closing parenthesis", () => {
    const r = new Redactor()
    expect(r.text("Access denied for user 'u'@'h' (using password: YES)")).toBe("Access denied for user 'u'@'h' (using password: YES)")
    expect(r.text('(password=hunter2)')).toBe(`(password=${REDACTED})`)
  })
})
