import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The bearer token of `db-taxi serve`: from config (flag, DBT_SERVER_TOKEN, file) when given,
 * otherwise generated once into <data dir>/server-token with mode 0600 and reused after.
 */
export function resolveServerToken(configured: string, dataDir: string): { token: string; source: 'config' | 'file' | 'generated' } {
  if (configured) return { token: configured, source: 'config' }
  const path = join(dataDir, 'server-token')
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim()
    if (token.length >= 16) {
      // Someone may have loosened it; a token others can read is no token.
      if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600)
      return { token, source: 'file' }
    }
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const token = randomBytes(32).toString('base64url')
  writeFileSync(path, token + '\n', { mode: 0o600 })
  chmodSync(path, 0o600)
  return { token, source: 'generated' }
}

export interface BannerInput {
  /** The server's URL without any token, ending in `/`. */
  url: string
  token: string
  source: 'config' | 'file' | 'generated'
  /** Where a configured token came from: `--token`, `DBT_SERVER_TOKEN`, `<config file>:<line>`. */
  origin?: string
  tokenFile: string
  /** Whether stdout is a terminal (a person reading), rather than a pipe or file (a log someone keeps). */
  isTTY: boolean
}

/**
 * What `serve` prints when it listens. The token rides in the URL's fragment (browsers never send
 * it, so it stays out of access logs) but only on a terminal: a piped stdout ends up in journald, a
 * container log or a CI log, kept and read by others. There the URL comes bare, and a line says
 * where the token is: its file, or the flag, variable or config file that set it.
 */
export function servingBanner(b: BannerInput): string {
  const lines = [`DB-Taxi is serving at ${b.url}${b.isTTY ? `#token=${b.token}` : ''}`]
  lines.push(b.source === 'config' ? `Token from: ${b.origin ?? 'the configuration'}` : `Token file: ${b.tokenFile}`)
  if (!b.isTTY) lines.push('The token is not printed because stdout is not a terminal; open the URL with #token=<token> appended.')
  return lines.join('\n') + '\n'
}
