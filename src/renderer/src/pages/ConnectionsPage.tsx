import { EmptyPage } from '../components/EmptyPage'

export function ConnectionsPage() {
  return (
    <EmptyPage
      testId="connections"
      title="Connections"
      empty="No connections yet."
      description="Source and target MySQL/MariaDB servers will be listed here. Adding them from this page is not available in this build yet."
    />
  )
}
