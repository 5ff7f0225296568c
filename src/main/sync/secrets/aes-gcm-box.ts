import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { SecretBoxError, type SecretBox } from './secret-box'

/**
 * AES-256-GCM secret box. Layout of a sealed blob:
 *
 *   "DBTS" | version (1 byte, = 1) | key check (4 bytes) | IV (12 bytes) | tag (16 bytes) | ciphertext
 *
 * The first 9 bytes are authenticated as additional data, so a header cannot be swapped.
 * The key check (the first 4 bytes of SHA-256 over a label and the key) lets `open` tell "sealed
 * with another key" from "corrupted" and give a message a person can act on; 32 bits reveal
 * nothing useful about a 256-bit random key.
 * A fresh random IV per seal: GCM must never reuse an IV under one key.
 */
const MAGIC = Buffer.from('DBTS', 'ascii')
const VERSION = 1
const HEADER_LEN = MAGIC.length + 1 + 4
const IV_LEN = 12
const TAG_LEN = 16

export const AES_KEY_BYTES = 32

export class AesGcmSecretBox implements SecretBox {
  readonly kind: string
  readonly warning?: string
  private readonly key: Buffer
  private readonly check: Buffer

  /** `source` names where the key came from (for `kind`); the key is copied, the caller may wipe its own. */
  constructor(key: Buffer, source: string, warning?: string) {
    if (key.length !== AES_KEY_BYTES) throw new SecretBoxError(`an AES-256 key has ${AES_KEY_BYTES} bytes, got ${key.length}`)
    this.key = Buffer.from(key)
    this.check = keyCheck(key)
    this.kind = `aes-256-gcm (${source})`
    if (warning) this.warning = warning
  }

  seal(plain: Buffer | string): Buffer {
    const data = typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain
    const header = Buffer.concat([MAGIC, Buffer.from([VERSION]), this.check])
    const iv = randomBytes(IV_LEN)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_LEN })
    cipher.setAAD(header)
    const body = Buffer.concat([cipher.update(data), cipher.final()])
    return Buffer.concat([header, iv, cipher.getAuthTag(), body])
  }

  open(sealed: Buffer): Buffer {
    if (sealed.length < HEADER_LEN + IV_LEN + TAG_LEN || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new SecretBoxError(
        'the stored secrets were not sealed by the headless key box (were they written by the desktop app, whose secrets only it can open?)'
      )
    }
    const version = sealed[MAGIC.length]
    if (version !== VERSION) throw new SecretBoxError(`the stored secrets use format version ${String(version)}, which this DB-Taxi does not know`)
    const header = sealed.subarray(0, HEADER_LEN)
    if (!timingSafeEqual(header.subarray(MAGIC.length + 1), this.check)) {
      throw new SecretBoxError(
        'the stored secrets were sealed with another key (DBT_SECRET_KEY changed, or <data dir>/secret.key was replaced); re-enter the passwords or restore that key'
      )
    }
    const iv = sealed.subarray(HEADER_LEN, HEADER_LEN + IV_LEN)
    const tag = sealed.subarray(HEADER_LEN + IV_LEN, HEADER_LEN + IV_LEN + TAG_LEN)
    const body = sealed.subarray(HEADER_LEN + IV_LEN + TAG_LEN)
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_LEN })
      decipher.setAAD(header)
      decipher.setAuthTag(tag)
      return Buffer.concat([decipher.update(body), decipher.final()])
    } catch {
      throw new SecretBoxError('the stored secrets are corrupted (authentication failed)')
    }
  }
}

function keyCheck(key: Buffer): Buffer {
  return createHash('sha256').update('db-taxi secret box key check v1\0').update(key).digest().subarray(0, 4)
}
