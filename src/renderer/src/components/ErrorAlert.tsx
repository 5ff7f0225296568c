import { Alert, Code } from '@mantine/core'
import type { ErrorBody } from '../../../shared/errors'

/** An error envelope as the user sees it: the message, with the stable code for bug reports. */
export function ErrorAlert({ error, title, testId }: { error: ErrorBody; title: string; testId?: string }) {
  return (
    <Alert data-testid={testId} color="red" title={title} mb="md">
      {error.message} <Code>{error.code}</Code>
    </Alert>
  )
}
