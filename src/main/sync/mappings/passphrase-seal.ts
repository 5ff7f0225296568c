import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto'
import type { SealedBlock } from '../../../shared/config-document'

/**
 * Secrets sealed with a passphrase for a configuration document: scrypt turns the passphrase into a
 * 256-bit key (a fresh salt per document), AES-256-GCM seals the JSON of the secrets with a fresh IV.
 * The format's name and version are authenticated too (GCM's additional data), so a block cannot be
 * moved into another kind of document unnoticed. A wrong passphrase and a tampered block look the same
 * to GCM: both fail its tag check, and nothing is opened.
 */

/** scrypt's cost: 2^15 x 8 is OWASP's baseline (about 32 MB and 0.1 s here per seal or open). */
const DEFAULT_COST = { N: 32_768, r: 8, p: 1 }
const AAD = Buffer.from('db-taxi config document v1 sealed secrets')

export class PassphraseError extends Error {}

function deriveKey(passphrase: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node's default cap (32 MB) is exactly the baseline, so raise it.
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 }
  return new Promise((resolve, reject) => scrypt(passphrase.normalize('NFC'), salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))))
}

export async function sealWithPassphrase(plaintext: string, passphrase: string, cost = DEFAULT_COST): Promise<SealedBlock> {
  const salt = randomBytes(16)
  const iv = randomBytes(12)
  const key = await deriveKey(passphrase, salt, cost)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(AAD)
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return {
    cipher: 'aes-256-gcm',
    kdf: { name: 'scrypt', ...cost, salt: salt.toString('base64') },
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64')
  }
}

/** Throws PassphraseError when the passphrase is wrong or the block was changed. */
export async function openWithPassphrase(block: SealedBlock, passphrase: string): Promise<string> {
  const { N, r, p, salt } = block.kdf
  const key = await deriveKey(passphrase, Buffer.from(salt, 'base64'), { N, r, p })
  const iv = Buffer.from(block.iv, 'base64')
  const tag = Buffer.from(block.tag, 'base64')
  if (iv.length !== 12 || tag.length !== 16) throw new PassphraseError('the sealed block is damaged (its IV or tag has the wrong length)')
  const decipher = createDecipheriv('aes-256-gcm', key, iv)
  decipher.setAAD(AAD)
  decipher.setAuthTag(tag)
  try {
    return Buffer.concat([decipher.update(Buffer.from(block.data, 'base64')), decipher.final()]).toString('utf8')
  } catch {
    throw new PassphraseError('the passphrase does not open the sealed secrets (or the sealed block was changed)')
  }
}
