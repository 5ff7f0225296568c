/**
 * Removes secrets from anything on its way to a log line, an event or an error message.
 * Three nets, because each alone misses something:
 *  1. keys that name a secret (password, passphrase, token, privateKey, ...) have their values replaced;
 *  2. credentials inside URLs (`mysql://user:pass@host`) and `password=...` pairs in free text are masked;
 *  3. every literal secret registered at run time (the server token, decrypted passwords) is masked
 *     wherever it appears, even inside a driver's error message.
 */
export const REDACTED = '[redacted]'

const SECRET_KEY = /pass(word|phrase|wd)?$|secret|token|private_?key|authorization|cookie|credential/i
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/?#\s]*)(@)/gi
// `(using password: YES)` in MySQL's access-denied message says only whether one was sent: keep it.
const PAIR = /\b(password|passwd|pwd|passphrase|secret|token)(\s*[=:]\s*)(?!(?:YES|NO)\))("[^"]*"|'[^']*'|[^\s,;&)]+)/gi
const BEARER = /(bearer\s+)[A-Za-z0-9._~+/=-]+/gi
const FRAGMENT_TOKEN = /(#token=)[^&\s]+/gi

export class Redactor {
  private readonly literals = new Set<string>()

  /** Registers a literal secret; values shorter than 4 characters would mask too much and are ignored. */
  addSecret(secret: string | undefined | null): void {
    if (secret && secret.length >= 4) this.literals.add(secret)
  }

  removeSecret(secret: string): void {
    this.literals.delete(secret)
  }

  text(input: string): string {
    let out = input
      .replace(URL_CREDENTIALS, `$1${REDACTED}$3`)
      .replace(PAIR, `$1$2${REDACTED}`)
      .replace(BEARER, `$1${REDACTED}`)
      .replace(FRAGMENT_TOKEN, `$1${REDACTED}`)
    for (const lit of this.literals) {
      if (out.includes(lit)) out = out.split(lit).join(REDACTED)
    }
    return out
  }

  /** Deep copy with secrets removed; cycles and depth are bounded so a log call can never hang. */
  value(input: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
    if (typeof input === 'string') return this.text(input)
    if (input === null || typeof input !== 'object') return input
    if (depth > 8 || seen.has(input)) return '[...]'
    seen.add(input)
    if (input instanceof Error) {
      const out: Record<string, unknown> = { name: input.name, message: this.text(input.message) }
      if (input.stack) out.stack = this.text(input.stack)
      for (const [k, v] of Object.entries(input)) out[k] = SECRET_KEY.test(k) ? REDACTED : this.value(v, depth + 1, seen)
      return out
    }
    if (Array.isArray(input)) return input.map((v) => this.value(v, depth + 1, seen))
    if (Buffer.isBuffer(input)) return `[${input.length} bytes]`
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(input)) {
      out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined && v !== '' ? REDACTED : this.value(v, depth + 1, seen)
    }
    return out
  }
}
