import type { SafeStorage } from 'electron'
import { AppError } from '../../shared/errors'
import { SecretBoxError, type SecretBox } from '../sync/secrets/secret-box'

/**
 * The desktop app's secret box: Electron safeStorage (Keychain on macOS, DPAPI on Windows, the
 * Secret Service (GNOME Keyring) or KWallet on Linux). Layout of a sealed blob:
 *
 *   "DBTE" | version (1 byte, = 1) | backend name length (1 byte) | backend name (ASCII) | safeStorage ciphertext
 *
 * The plain bytes are base64-encoded before `encryptString`, which takes a string, so any Buffer
 * round-trips exactly. The backend name (Linux only; empty elsewhere) lets `open` say "sealed with
 * the GNOME keyring, which is not available now" instead of a bare decryption failure.
 * safeStorage's integrity and key handling are Chromium's (OSCrypt); this box adds none of its own.
 */

const MAGIC = Buffer.from('DBTE', 'ascii')
const VERSION = 1
/** The headless AES-256-GCM box's header (aes-gcm-box.ts), recognised to explain why it cannot open. */
const HEADLESS_MAGIC = Buffer.from('DBTS', 'ascii')

export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>

type Backend = ReturnType<SafeStorage['getSelectedStorageBackend']>

const BACKEND_NAMES: Record<string, string> = {
  basic_text: 'no keyring (basic_text)',
  gnome_libsecret: 'GNOME Keyring / Secret Service',
  kwallet: 'KWallet',
  kwallet5: 'KWallet 5',
  kwallet6: 'KWallet 6'
}

export const PLAIN_TEXT_WARNING =
  'No system keyring (GNOME Keyring or KWallet) is available, so Electron stores connection passwords with a fixed, publicly known key: anyone who can read your DB-Taxi data folder can recover them. Install and unlock a keyring (for example gnome-keyring), then restart DB-Taxi and save the passwords again.'

export class SafeStorageSecretBox implements SecretBox {
  readonly kind: string
  readonly warning?: string
  private readonly backend: string

  constructor(
    private readonly safeStorage: SafeStorageLike,
    platform: NodeJS.Platform
  ) {
    this.backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend() : ''
    this.kind = `safeStorage (${platform === 'linux' ? this.backend : platform === 'darwin' ? 'Keychain' : platform === 'win32' ? 'DPAPI' : platform})`
    if (this.backend === 'basic_text') this.warning = PLAIN_TEXT_WARNING
    else if (!safeStorage.isEncryptionAvailable()) {
      this.warning = 'Encryption through the system keyring is not available, so connection passwords cannot be saved. Unlock the keyring and restart DB-Taxi.'
    }
  }

  seal(plain: Buffer | string): Buffer {
    if (!this.safeStorage.isEncryptionAvailable()) {
      // Seen through connections.create/update: a plain message beats an INTERNAL error.
      throw new AppError('SECRETS_UNAVAILABLE', 'Passwords cannot be saved: the system keyring is not available. Unlock it and restart DB-Taxi.')
    }
    const data = typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain
    let cipher: Buffer
    try {
      cipher = this.safeStorage.encryptString(data.toString('base64'))
    } catch {
      // Never the plain text in a message: Electron's own error says nothing about it, but be sure.
      throw new AppError('SECRETS_UNAVAILABLE', 'Passwords cannot be saved: the system keyring refused to encrypt them.')
    }
    const backend = Buffer.from(this.backend, 'ascii')
    return Buffer.concat([MAGIC, Buffer.from([VERSION, backend.length]), backend, cipher])
  }

  open(sealed: Buffer): Buffer {
    if (sealed.length >= HEADLESS_MAGIC.length && sealed.subarray(0, HEADLESS_MAGIC.length).equals(HEADLESS_MAGIC)) {
      throw new SecretBoxError(
        'they were saved by a headless DB-Taxi (db-taxi serve or the CLI), whose secrets only it can open; the desktop app keeps its own data folder'
      )
    }
    if (sealed.length < MAGIC.length + 2 || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new SecretBoxError('they were not saved by the DB-Taxi desktop app')
    }
    const version = sealed[MAGIC.length]
    if (version !== VERSION) throw new SecretBoxError(`they use format version ${String(version)}, which this DB-Taxi does not know`)
    const nameLen = sealed[MAGIC.length + 1]!
    const start = MAGIC.length + 2 + nameLen
    if (sealed.length <= start) throw new SecretBoxError('they are truncated')
    const sealedWith = sealed.subarray(MAGIC.length + 2, start).toString('ascii')
    if (!this.safeStorage.isEncryptionAvailable()) {
      throw new SecretBoxError('the system keyring is not available; unlock it and restart DB-Taxi')
    }
    let text: string
    try {
      text = this.safeStorage.decryptString(sealed.subarray(start))
    } catch {
      throw new SecretBoxError(this.decryptFailure(sealedWith))
    }
    return Buffer.from(text, 'base64')
  }

  private decryptFailure(sealedWith: string): string {
    if (sealedWith && this.backend && sealedWith !== this.backend) {
      return `they were saved with ${describe(sealedWith)}, and this session uses ${describe(this.backend as Backend)}; start DB-Taxi where that keyring is available, or enter the passwords again`
    }
    return 'the keyring could not decrypt them (saved by another user account or computer, or the keyring was reset); enter the passwords again'
  }
}

function describe(backend: string): string {
  return BACKEND_NAMES[backend] ?? backend
}
