import { ElectronTransport, type DbTaxiBridge } from './bridge'
import { HttpTransport } from './http'
import type { Transport } from './types'

export type { Transport, ConnectivityListener } from './types'

export type TransportChoice =
  | { kind: 'electron'; transport: Transport }
  | { kind: 'http'; transport: Transport }
  /** Browser without a token: nothing to talk to until the user opens the URL `db-taxi serve` printed. */
  | { kind: 'no-token' }

/**
 * The one place that knows there are two transports. The preload defines `window.dbTaxi` before any page
 * script runs, so its presence means "inside Electron"; without it we are a page served by `db-taxi serve`.
 */
export function pickTransport(options: {
  bridge: DbTaxiBridge | undefined
  getToken: () => string | null
  onUnauthorized: () => void
}): TransportChoice {
  if (options.bridge) return { kind: 'electron', transport: new ElectronTransport(options.bridge) }
  if (options.getToken() === null) return { kind: 'no-token' }
  return {
    kind: 'http',
    transport: new HttpTransport({ getToken: options.getToken, onUnauthorized: options.onUnauthorized })
  }
}
