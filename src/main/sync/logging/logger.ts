import { chmodSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import winston from 'winston'
import DailyRotateFile from 'winston-daily-rotate-file'
import { Redactor } from './redact'

export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void
  warn(message: string, meta?: Record<string, unknown>): void
  info(message: string, meta?: Record<string, unknown>): void
  debug(message: string, meta?: Record<string, unknown>): void
  child(meta: Record<string, unknown>): Logger
  setLevel(level: LogLevel): void
  close(): Promise<void>
}

export interface LoggerOptions {
  level: LogLevel
  format: 'text' | 'json'
  /** Rotating JSON-lines files go here; none when omitted (tests, `config print`). */
  logDir?: string
  redactor: Redactor
  /** Console output goes to stderr: stdout is reserved for CLI results. */
  console?: boolean
  /** A log file is rotated when it reaches this size (winston-daily-rotate-file's `maxSize`); default 20m. */
  rotateSize?: string
}

const LOG_FILE_MODE = 0o600
const AUDIT_FILE = '.audit.json'
const MAX_FILES = '14d'

/**
 * Log lines name tables, hosts and users: they are for the owner only. New log files are opened
 * with mode 0600 (the rotator's stream option). The rotator's audit file (its list of files to
 * expire) is written with plain writeFileSync, which has no mode but keeps an existing file's: so it
 * is created here first, 0600, holding what the rotator itself writes for a first start (no files
 * yet). Files an older version left readable by others are tightened.
 */
function privateLogFiles(logDir: string, auditFile: string): void {
  const fresh = { keep: { days: true, amount: Number.parseInt(MAX_FILES, 10) }, auditLog: auditFile, files: [] }
  try {
    writeFileSync(auditFile, JSON.stringify(fresh, null, 4), { mode: LOG_FILE_MODE, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  for (const name of readdirSync(logDir)) {
    if (name !== AUDIT_FILE && !/^db-taxi-.*\.log(\.\d+)?$/.test(name)) continue
    const path = join(logDir, name)
    const st = lstatSync(path)
    if (st.isFile() && (st.mode & 0o077) !== 0) chmodSync(path, LOG_FILE_MODE)
  }
}

/**
 * winston with a redaction format in front of every transport, so no transport can see a secret.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const redact = winston.format((info) => {
    const { level, message, ...rest } = info
    const clean = opts.redactor.value(rest) as Record<string, unknown>
    const out = { level, message: typeof message === 'string' ? opts.redactor.text(message) : opts.redactor.value(message) }
    Object.assign(info, clean, out)
    for (const k of Object.keys(rest)) if (!(k in clean)) delete (info as Record<string, unknown>)[k]
    return info
  })

  const transports: winston.transport[] = []
  if (opts.console !== false) {
    transports.push(
      new winston.transports.Console({
        stderrLevels: ['error', 'warn', 'info', 'debug'],
        format:
          opts.format === 'json'
            ? winston.format.combine(redact(), winston.format.timestamp(), winston.format.json())
            : winston.format.combine(
                redact(),
                winston.format.timestamp(),
                winston.format.printf(({ timestamp, level, message, ...meta }) => {
                  const extra = Object.keys(meta).length ? ' ' + JSON.stringify(meta) : ''
                  return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${extra}`
                })
              )
      })
    )
  }
  if (opts.logDir) {
    mkdirSync(opts.logDir, { recursive: true, mode: 0o700 })
    const auditFile = join(opts.logDir, AUDIT_FILE)
    privateLogFiles(opts.logDir, auditFile)
    transports.push(
      new DailyRotateFile({
        dirname: opts.logDir,
        filename: 'db-taxi-%DATE%.log',
        datePattern: 'YYYY-MM-DD',
        maxSize: opts.rotateSize ?? '20m',
        maxFiles: MAX_FILES,
        auditFile,
        // Passed to fs.createWriteStream for every file it opens, the first and each rotated one.
        options: { flags: 'a', mode: LOG_FILE_MODE },
        format: winston.format.combine(redact(), winston.format.timestamp(), winston.format.json())
      })
    )
  }
  const base = winston.createLogger({ level: opts.level, transports, exitOnError: false })
  return wrap(base, base)
}

function wrap(root: winston.Logger, w: winston.Logger): Logger {
  return {
    error: (m, meta) => void w.error(m, meta),
    warn: (m, meta) => void w.warn(m, meta),
    info: (m, meta) => void w.info(m, meta),
    debug: (m, meta) => void w.debug(m, meta),
    child: (meta) => wrap(root, w.child(meta)),
    setLevel: (level) => {
      root.level = level
      for (const t of root.transports) t.level = level
    },
    close: async () => {
      // Flush before the process exits: end the logger, let each transport drain, then close file
      // streams and wait for their data to reach the disk. Bounded: shutdown never waits on logs.
      const drain = async (): Promise<void> => {
        const transports = [...root.transports]
        const finished = transports.map((t) => new Promise<void>((resolve) => t.once('finish', () => resolve())))
        root.end()
        await Promise.all(finished)
        await Promise.all(
          transports.map((t) => {
            const stream = (t as unknown as { logStream?: NodeJS.WritableStream }).logStream
            if (!stream) return Promise.resolve()
            return new Promise<void>((resolve) => {
              stream.once('finish', () => resolve())
              stream.once('close', () => resolve())
              t.close?.()
            })
          })
        )
      }
      let timer: NodeJS.Timeout | undefined
      await Promise.race([drain(), new Promise<void>((r) => (timer = setTimeout(r, 2000)))])
      clearTimeout(timer)
    }
  }
}

/** A logger that drops everything, for unit tests of modules that take a Logger. */
export function silentLogger(): Logger {
  const noop = (): void => undefined
  const l: Logger = {
    error: noop,
    warn: noop,
    info: noop,
    debug: noop,
    child: () => l,
    setLevel: noop,
    close: async () => undefined
  }
  return l
}
