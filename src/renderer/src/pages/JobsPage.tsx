import { EmptyPage } from '../components/EmptyPage'

export function JobsPage() {
  return (
    <EmptyPage
      testId="jobs"
      title="Jobs"
      empty="No jobs yet."
      description="Every run of a sync becomes a job with its progress, log and verification result; they will be listed here."
    />
  )
}
