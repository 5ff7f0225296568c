/**
 * How secrets (connection passwords, SSH keys and passphrases, TLS client keys) are kept at rest.
 * One interface, several boxes: AES-256-GCM with a key file or DBT_SECRET_KEY in headless mode
 * (aes-gcm-box.ts), Electron safeStorage in the desktop app (src/main/desktop, implemented there
 * because src/main/sync never imports electron). The sync system only ever sees this interface.
 *
 * Contract for implementations:
 *  - `seal` returns an opaque blob that starts with a box-specific header, so `open` can tell its
 *    own blobs (and their format version) from another box's and say so instead of returning garbage;
 *  - `open` throws SecretBoxError (never returns partial data) when it cannot decrypt;
 *  - neither method logs or puts the plain text into an error message.
 */
export interface SecretBox {
  seal(plain: Buffer | string): Buffer
  open(sealed: Buffer): Buffer
  /** Short name for logs and status: `aes-256-gcm (DBT_SECRET_KEY)`, `safeStorage (gnome_libsecret)`. */
  readonly kind: string
  /** Set when the box protects less than it should (safeStorage's plain-text fallback on Linux). */
  readonly warning?: string
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretBoxError'
  }
}
