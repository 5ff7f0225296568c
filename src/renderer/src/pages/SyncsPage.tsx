import { EmptyPage } from '../components/EmptyPage'

export function SyncsPage() {
  return (
    <EmptyPage
      testId="syncs"
      title="Syncs"
      empty="No syncs yet."
      description="A sync copies chosen databases and tables from a source to a target. Creating them from this page is not available in this build yet."
    />
  )
}
