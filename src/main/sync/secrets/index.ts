import { AesGcmSecretBox } from './aes-gcm-box'
import { resolveSecretKey } from './key-source'
import type { SecretBox } from './secret-box'

export { AesGcmSecretBox } from './aes-gcm-box'
export { parseKeyText, resolveSecretKey, SecretKeyError, SECRET_KEY_ENV, SECRET_KEY_FILE } from './key-source'
export { SecretBoxError, type SecretBox } from './secret-box'

/**
 * The headless default: AES-256-GCM keyed by DBT_SECRET_KEY, else by `<data dir>/secret.key`.
 * Throws SecretKeyError with a plain message when DBT_SECRET_KEY is malformed.
 */
export function createDefaultSecretBox(dataDir: string, env: NodeJS.ProcessEnv = process.env): SecretBox {
  const { key, origin, warnings } = resolveSecretKey(dataDir, env)
  const box = new AesGcmSecretBox(key, origin, warnings.length ? warnings.join('; ') : undefined)
  key.fill(0)
  return box
}
