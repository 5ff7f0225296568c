import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/shared/errors'
import { PLAIN_TEXT_WARNING, SafeStorageSecretBox, type SafeStorageLike } from '../../../src/main/desktop/safe-storage-box'
import { AesGcmSecretBox } from '../../../src/main/sync/secrets/aes-gcm-box'
import { SecretBoxError } from '../../../src/main/sync/secrets/secret-box'

type Backend = ReturnType<SafeStorageLike['getSelectedStorageBackend']>

/**
 * Just enough of Electron's safeStorage: "encrypts" by XOR with a per-user key byte behind a `v1x`
 * prefix, and refuses (like OSCrypt) what another key or prefix produced.
 */
function fakeSafeStorage(opts: { backend?: Backend; available?: boolean; key?: number } = {}) {
  const key = opts.key ?? 0x5a
  const prefix = Buffer.from(opts.backend === 'basic_text' ? 'v10' : 'v11')
  const calls = { encrypted: [] as string[] }
  const storage: SafeStorageLike & { available: boolean } = {
    available: opts.available ?? true,
    isEncryptionAvailable() {
      return this.available
    },
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
    encryptString(text: string) {
      calls.encrypted.push(text)
      const body = Buffer.from(text, 'utf8').map((b) => b ^ key)
      const check = Buffer.from([key])
      return Buffer.concat([prefix, check, body])
    },
    decryptString(buf: Buffer) {
      if (!buf.subarray(0, 3).equals(prefix) || buf[3] !== key) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
      return Buffer.from(buf.subarray(4).map((b) => b ^ key)).toString('utf8')
    }
  }
  return { storage, calls }
}

describe('SafeStorageSecretBox', () => {
  it('round-trips strings and arbitrary bytes, with its own header', () => {
    const { storage } = fakeSafeStorage()
    const box = new SafeStorageSecretBox(storage, 'linux')
    const sealed = box.seal('{"password":"hunter2 ✓"}')
    expect(sealed.subarray(0, 4).toString('ascii')).toBe('DBTE')
    expect(sealed[4]).toBe(1)
    expect(box.open(sealed).toString('utf8')).toBe('{"password":"hunter2 ✓"}')
    const bytes = Buffer.from([0, 255, 1, 128, 10, 13])
    expect(box.open(box.seal(bytes))).toEqual(bytes)
    expect(box.open(box.seal(''))).toEqual(Buffer.alloc(0))
  })

  it('never hands the plain text to safeStorage as is, nor keeps it in the blob', () => {
    const { storage, calls } = fakeSafeStorage()
    const box = new SafeStorageSecretBox(storage, 'linux')
    const sealed = box.seal('s3cr3t-distinctive')
    expect(calls.encrypted).toEqual([Buffer.from('s3cr3t-distinctive').toString('base64')])
    expect(sealed.includes(Buffer.from('s3cr3t-distinctive'))).toBe(false)
  })

  it('names the backend in kind, and warns on the Linux plain-text fallback', () => {
    const keyring = new SafeStorageSecretBox(fakeSafeStorage({ backend: 'gnome_libsecret' }).storage, 'linux')
    expect(keyring.kind).toBe('safeStorage (gnome_libsecret)')
    expect(keyring.warning).toBeUndefined()

    const plain = new SafeStorageSecretBox(fakeSafeStorage({ backend: 'basic_text' }).storage, 'linux')
    expect(plain.kind).toBe('safeStorage (basic_text)')
    expect(plain.warning).toBe(PLAIN_TEXT_WARNING)
    // It still works: the warning is about how well, not whether.
    expect(plain.open(plain.seal('x')).toString()).toBe('x')

    expect(new SafeStorageSecretBox(fakeSafeStorage().storage, 'darwin').kind).toBe('safeStorage (Keychain)')
    expect(new SafeStorageSecretBox(fakeSafeStorage().storage, 'win32').kind).toBe('safeStorage (DPAPI)')
  })

  it('asks getSelectedStorageBackend only on Linux (it exists only there)', () => {
    const { storage } = fakeSafeStorage()
    storage.getSelectedStorageBackend = () => {
      throw new Error('not on this platform')
    }
    const box = new SafeStorageSecretBox(storage, 'darwin')
    expect(box.open(box.seal('ok')).toString()).toBe('ok')
  })

  it('refuses to seal with a plain message when no encryption is available', () => {
    const { storage } = fakeSafeStorage({ available: false })
    const box = new SafeStorageSecretBox(storage, 'linux')
    expect(box.warning).toMatch(/not available/)
    let err: unknown
    try {
      box.seal('pw-that-must-not-leak')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).code).toBe('SECRETS_UNAVAILABLE')
    expect((err as AppError).message).not.toContain('pw-that-must-not-leak')
  })

  it('recognises blobs of the headless box and of nobody, and says so', () => {
    const box = new SafeStorageSecretBox(fakeSafeStorage().storage, 'linux')
    const headless = new AesGcmSecretBox(Buffer.alloc(32, 7), 'test').seal('pw')
    expect(() => box.open(headless)).toThrow(SecretBoxError)
    expect(() => box.open(headless)).toThrow(/headless DB-Taxi/)
    expect(() => box.open(Buffer.from('garbage'))).toThrow(/not saved by the DB-Taxi desktop app/)
    expect(() => box.open(Buffer.alloc(0))).toThrow(SecretBoxError)
    const sealed = box.seal('x')
    sealed[4] = 9
    expect(() => box.open(sealed)).toThrow(/format version 9/)
    expect(() => box.open(box.seal('x').subarray(0, 6 + 'gnome_libsecret'.length))).toThrow(/truncated/)
  })

  it('explains a blob another user, computer or keyring sealed', () => {
    const mine = new SafeStorageSecretBox(fakeSafeStorage({ key: 1 }).storage, 'linux')
    const theirs = new SafeStorageSecretBox(fakeSafeStorage({ key: 2 }).storage, 'linux')
    expect(() => mine.open(theirs.seal('pw'))).toThrow(/another user account or computer/)

    const fromKeyring = new SafeStorageSecretBox(fakeSafeStorage({ backend: 'kwallet5' }).storage, 'linux').seal('pw')
    const noKeyring = new SafeStorageSecretBox(fakeSafeStorage({ backend: 'basic_text' }).storage, 'linux')
    expect(() => noKeyring.open(fromKeyring)).toThrow(/saved with KWallet 5, and this session uses no keyring \(basic_text\)/)
  })

  it('does not leak the plain text through errors', () => {
    const { storage } = fakeSafeStorage()
    storage.encryptString = (text: string) => {
      throw new Error(`cannot encrypt ${text}`)
    }
    const box = new SafeStorageSecretBox(storage, 'linux')
    expect(() => box.seal('topsecret')).toThrow(AppError)
    try {
      box.seal('topsecret')
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('topsecret')
      expect(String((e as Error).message)).not.toContain(Buffer.from('topsecret').toString('base64'))
    }
  })
})
