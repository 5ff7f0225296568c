import { isMethod, type Method, type MethodInput } from '../../../shared/contract'
import { ApiError } from './client'
import { api } from './runtime'

/**
 * Calls a method the UI is ready for but the contract may not have yet (see jobs/actions.ts). Callers
 * hide the button unless `isMethod(name)`; this refuses plainly if it is called anyway.
 */
export async function callOptional(name: string, input: Record<string, unknown>): Promise<unknown> {
  if (!isMethod(name)) throw new ApiError({ code: 'NOT_FOUND', message: `${name} is not available in this version of DB-Taxi.` })
  return api().call(name as Method, input as MethodInput<Method>)
}
