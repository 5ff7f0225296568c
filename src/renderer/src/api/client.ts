import type { Method, MethodInput, MethodOutput } from '../../../shared/contract'
import type { ErrorBody, ErrorCode } from '../../../shared/errors'
import type { Transport } from '../transport/types'

/** An error envelope turned into something `throw`able, keeping the contract's code and details. */
export class ApiError extends Error {
  readonly code: ErrorCode
  readonly details?: unknown

  constructor(body: ErrorBody) {
    super(body.message)
    this.name = 'ApiError'
    this.code = body.code
    this.details = body.details
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError
}

/** Any thrown value as the contract's ErrorBody, so stores can keep one error shape. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof ApiError) {
    return err.details === undefined
      ? { code: err.code, message: err.message }
      : { code: err.code, message: err.message, details: err.details }
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) }
}

export interface ApiClient {
  /** Resolves the method's data, or throws an ApiError carrying {code, message, details}. */
  call<M extends Method>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>
}

export function createClient(transport: Transport): ApiClient {
  return {
    async call(method, input) {
      const envelope = await transport.invoke(method, input)
      if (envelope.ok) return envelope.data
      throw new ApiError(envelope.error)
    }
  }
}
