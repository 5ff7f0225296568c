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
