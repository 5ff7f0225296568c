import type { Envelope } from '../../../shared/contract'
import type { ErrorBody } from '../../../shared/errors'

/** True for `{ok:true,data}` or `{ok:false,error:{code,message}}`; anything else is not from our core. */
export function isEnvelope(value: unknown): value is Envelope<unknown> {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  if (v.ok === true) return 'data' in v
  if (v.ok !== false) return false
  const err = v.error as Record<string, unknown> | null | undefined
  return typeof err === 'object' && err !== null && typeof err.code === 'string' && typeof err.message === 'string'
}

export function unavailable(message: string): { ok: false; error: ErrorBody } {
  return { ok: false, error: { code: 'UNAVAILABLE', message } }
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name
  return String(err)
}
