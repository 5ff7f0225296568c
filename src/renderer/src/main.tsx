import '@mantine/core/styles.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { MantineProvider } from '@mantine/core'
import { App } from './App'
import { initApi } from './api/runtime'
import { useConnectivity } from './stores/connectivity'
import { useSession } from './stores/session'
import { pickTransport } from './transport'
import { bootstrapToken, readStoredToken, tokenFromHash, TOKEN_STORAGE_KEY, type TokenEnv } from './transport/token'

/** sessionStorage can throw on access (storage disabled); treat that as "no storage". */
function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage
  } catch {
    return null
  }
}

function start(): void {
  const bridge = window.dbTaxi
  const storage: TokenEnv['storage'] = sessionStorageOrNull()
  // Only a browser page carries a token; in Electron the fragment is never touched.
  const bootToken = bridge ? null : bootstrapToken({ location: window.location, history: window.history, storage })

  if (!bridge) {
    // Pasting a new `#token=...` URL into an open tab changes only the fragment, which does not reload
    // the page: take the new token and start over with it.
    window.addEventListener('hashchange', () => {
      if (tokenFromHash(window.location.hash) === null) return
      bootstrapToken({ location: window.location, history: window.history, storage })
      window.location.reload()
    })
  }

  const choice = pickTransport({
    bridge,
    getToken: () => readStoredToken(storage) ?? bootToken,
    onUnauthorized: () => {
      // The stored token is useless now; forget it so a reload shows the same explanation.
      try {
        sessionStorageOrNull()?.removeItem(TOKEN_STORAGE_KEY)
      } catch {
        // nothing to clean up
      }
      useSession.getState().block('unauthorized')
    }
  })
  if (choice.kind === 'no-token') {
    useSession.getState().block('no-token')
  } else {
    initApi(choice.transport)
    choice.transport.onConnectivity((up, reason) => useConnectivity.getState().set(up, reason))
  }

  const root = document.getElementById('root')
  if (!root) throw new Error('index.html has no #root element')
  createRoot(root).render(
    <StrictMode>
      <MantineProvider>
        <App />
      </MantineProvider>
    </StrictMode>
  )
}

start()
