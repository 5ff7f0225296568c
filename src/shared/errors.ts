/**
 * Stable error codes that cross the contract. Renderer, HTTP and CLI all key off these strings,
 * so a code, once published, is never renamed. Later capabilities append to the list.
 */
export const ERROR_CODES = [
  'VALIDATION',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'IN_USE',
  'JOB_ALREADY_ACTIVE',
  'PAYLOAD_TOO_LARGE',
  'UNAVAILABLE',
  'STORE_TOO_NEW',
  'CONFIG_INVALID',
  'INTERNAL',
  // connections (issue 3): why a MySQL server could not be reached or used
  'AUTH_FAILED',
  'HOST_UNREACHABLE',
  'CONNECTION_REFUSED',
  'TIMEOUT',
  'TLS_FAILED',
  'SSH_AUTH_FAILED',
  'SSH_HOST_KEY_MISMATCH',
  'UNKNOWN_DATABASE',
  'READ_ONLY_TARGET',
  /** Stored secrets cannot be decrypted here (another key, or sealed by the desktop app's safeStorage). */
  'SECRETS_UNAVAILABLE',
  // sync configs and the full-copy engine (issue 4)
  'TABLE_NOT_FOUND',
  'SCHEMA_MISMATCH',
  'SAME_TABLE',
  'TARGET_EXISTS',
  'VERIFY_MISMATCH',
  'COPY_FAILED',
  'CANCELLED',
  // the job engine (issue 5)
  /** A server or the network dropped a session mid-run (retried while sync.retry_attempts allow). */
  'CONNECTION_LOST',
  // keeping targets current (issue 13)
  /** A diff run would delete more target rows than maxDeletes allows; nothing was changed. */
  'DELETE_GUARD',
  // the mapping manager (issue 15)
  /** The passphrase given does not open a configuration document's sealed secrets; nothing was changed. */
  'PASSPHRASE_INVALID'
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export interface ErrorBody {
  code: ErrorCode
  message: string
  details?: unknown
}

/** HTTP status for an envelope error (contract rules in docs/api.md). */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION':
    case 'PASSPHRASE_INVALID':
      return 400
    case 'UNAUTHORIZED':
      return 401
    case 'FORBIDDEN':
      return 403
    case 'NOT_FOUND':
      return 404
    case 'CONFLICT':
    case 'IN_USE':
    case 'JOB_ALREADY_ACTIVE':
      return 409
    case 'PAYLOAD_TOO_LARGE':
      return 413
    case 'UNAVAILABLE':
      return 503
    default:
      return 500
  }
}

/**
 * An error the core throws on purpose. Anything else that escapes a handler is a bug and is
 * reported as INTERNAL without its message or stack (those go to the log only).
 */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly details?: unknown

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.details = details
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError
}
