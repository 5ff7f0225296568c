import { useEffect, type ComponentType } from 'react'
import { Shell } from './components/Shell'
import { TokenRequiredPage } from './components/TokenRequiredPage'
import { useReconnectProbe } from './hooks/useReconnectProbe'
import { ConnectionsPage } from './pages/ConnectionsPage'
import { DashboardPage } from './pages/DashboardPage'
import { JobsPage } from './pages/JobsPage'
import { SettingsPage } from './pages/SettingsPage'
import { SyncsPage } from './pages/SyncsPage'
import type { PageId } from './routing/routes'
import { useRoute } from './stores/route'
import { useStatus } from './stores/status'
import { useSession } from './stores/session'

const PAGE_COMPONENTS: Record<PageId, ComponentType> = {
  dashboard: DashboardPage,
  connections: ConnectionsPage,
  syncs: SyncsPage,
  jobs: JobsPage,
  settings: SettingsPage
}

export function App() {
  const blocked = useSession((s) => s.blocked)
  if (blocked) return <TokenRequiredPage reason={blocked} />
  return <ConnectedApp />
}

/** Only mounted with a usable transport, so nothing here runs calls that are bound to fail. */
function ConnectedApp() {
  const page = useRoute((s) => s.page)
  useReconnectProbe()
  // One call at start on every page: it proves the token (a 401 switches to the explanation page even
  // on pages that make no calls) and sets connectivity before the user waits on anything.
  useEffect(() => {
    void useStatus.getState().refresh()
  }, [])
  const Page = PAGE_COMPONENTS[page]
  return (
    <Shell>
      <Page />
    </Shell>
  )
}
