import { z } from 'zod'
import { isMethod, methods, type Envelope, type Method, type MethodOutput } from '../../shared/contract'
import { AppError, type ErrorBody } from '../../shared/errors'
import type { Logger } from '../sync/logging/logger'
import type { CallContext, Handlers } from './handlers'

/**
 * The only way into the core, for every transport: look the method up, validate the input with its
 * zod schema, call the handler, and turn whatever happens into an Envelope. Unexpected errors are
 * logged with their stack and leave as INTERNAL with a generic message.
 */
export type Dispatch = <M extends Method>(method: M | string, input: unknown, ctx?: CallContext) => Promise<Envelope<MethodOutput<M>>>

export function createDispatcher(handlers: Handlers, logger: Logger): Dispatch {
  return async function dispatch(method, input, ctx = { transport: 'test' }) {
    if (typeof method !== 'string' || !isMethod(method)) {
      return fail({ code: 'NOT_FOUND', message: `Unknown method "${String(method)}".` })
    }
    const schema = methods[method].input as z.ZodType<unknown>
    const parsed = schema.safeParse(input === null ? undefined : input)
    if (!parsed.success) {
      return fail({ code: 'VALIDATION', message: describeIssues(parsed.error), details: { issues: issuesOf(parsed.error) } })
    }
    try {
      const handler = handlers[method] as (i: unknown, c: CallContext) => unknown
      const data = await handler(parsed.data, ctx)
      return { ok: true, data: data as MethodOutput<typeof method> }
    } catch (err) {
      return fail(toErrorBody(err, logger, method))
    }
  } as Dispatch
}

function fail(error: ErrorBody): { ok: false; error: ErrorBody } {
  return { ok: false, error }
}

export function toErrorBody(err: unknown, logger: Logger, method?: string): ErrorBody {
  if (err instanceof AppError) return err.toBody()
  if (err instanceof z.ZodError) {
    return { code: 'VALIDATION', message: describeIssues(err), details: { issues: issuesOf(err) } }
  }
  logger.error('unexpected error in a request', { method, err })
  return { code: 'INTERNAL', message: 'Internal error; see the DB-Taxi log for details.' }
}

function issuesOf(err: z.ZodError): { path: string; message: string }[] {
  return err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
}

function describeIssues(err: z.ZodError): string {
  return (
    'Invalid input: ' +
    issuesOf(err)
      .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
      .join('; ')
  )
}
