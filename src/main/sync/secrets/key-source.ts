import { randomBytes } from 'node:crypto'
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AES_KEY_BYTES } from './aes-gcm-box'

/**
 * Where the headless secret box gets its key: DBT_SECRET_KEY (for containers and servers whose
 * data dir is on shared or backed-up storage) or else `<data dir>/secret.key`, created on first
 * use with mode 0600 so only the owner can read it.
 */

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretKeyError'
  }
}

export const SECRET_KEY_ENV = 'DBT_SECRET_KEY'
export const SECRET_KEY_FILE = 'secret.key'

export interface ResolvedKey {
  key: Buffer
  source: 'env' | 'file'
  /** Human name of where the key came from, for the box's `kind`. */
  origin: string
  warnings: string[]
}

/** 32 bytes as 64 hex digits or as base64 (with or without padding, standard or URL-safe alphabet). */
export function parseKeyText(text: string, origin: string): Buffer {
  const t = text.trim()
  let key: Buffer | null = null
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex')
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    if (b.length === AES_KEY_BYTES) key = b
  }
  if (!key) {
    throw new SecretKeyError(
      `${origin} must hold a 32-byte key as 64 hex digits or as base64 (for example the output of \`openssl rand -base64 32\`)`
    )
  }
  return key
}

export function resolveSecretKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): ResolvedKey {
  const fromEnv = env[SECRET_KEY_ENV]
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { key: parseKeyText(fromEnv, SECRET_KEY_ENV), source: 'env', origin: SECRET_KEY_ENV, warnings: [] }
  }
  const path = join(dataDir, SECRET_KEY_FILE)
  const warnings: string[] = []
  let text: string
  try {
    text = readFileSync(path, 'utf8')
    const mode = statSync(path).mode & 0o777
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      warnings.push(`${path} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`)
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new SecretKeyError(`cannot read ${path}: ${(err as Error).message}`)
    text = createKeyFile(dataDir, path)
  }
  return { key: parseKeyText(text, path), source: 'file', origin: path, warnings }
}

/**
 * Writes a new random key without a window where another process could read a half-written file:
 * write a private temp file, then hard-link it into place (fails if someone else won the race, in
 * which case their key is the one to use).
 */
function createKeyFile(dataDir: string, path: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const text = randomBytes(AES_KEY_BYTES).toString('base64') + '\n'
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' })
  try {
    chmodSync(tmp, 0o600) // the umask may have taken bits away, never added; be explicit anyway
    linkSync(tmp, path)
    return text
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8')
    throw new SecretKeyError(`cannot create ${path}: ${(err as Error).message}`)
  } finally {
    try {
      unlinkSync(tmp)
    } catch {
      // already gone
    }
  }
}
