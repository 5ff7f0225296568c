import type { Transport } from '../transport/types'
import { createClient, type ApiClient } from './client'

/**
 * The transport and client picked at start. Module-level because there is exactly one per page and the
 * stores (plain zustand, outside React) need it too.
 */
let current: { transport: Transport; client: ApiClient } | null = null

export function initApi(transport: Transport): ApiClient {
  current = { transport, client: createClient(transport) }
  return current.client
}

export function api(): ApiClient {
  if (!current) throw new Error('initApi() was not called before the first API call')
  return current.client
}

export function transport(): Transport {
  if (!current) throw new Error('initApi() was not called before the first event subscription')
  return current.transport
}
