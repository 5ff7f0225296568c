/// <reference types="vite/client" />
import type { DbTaxiBridge } from './transport/bridge'

declare global {
  interface Window {
    /** Set by the preload in Electron; absent in a browser talking to `db-taxi serve`. */
    dbTaxi?: DbTaxiBridge
  }
}

export {}
