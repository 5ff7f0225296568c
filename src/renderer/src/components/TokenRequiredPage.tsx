import { Alert, Code, Container, List, Text, Title } from '@mantine/core'
import type { SessionBlock } from '../stores/session'

/**
 * Shown in a browser that has no usable token. Nothing else can work without it, so this replaces the
 * whole shell instead of failing every call with UNAUTHORIZED.
 */
export function TokenRequiredPage({ reason }: { reason: Exclude<SessionBlock, null> }) {
  return (
    <Container size="sm" py="xl" data-testid="token-required" data-reason={reason}>
      <Title order={1} mb="md">
        DB-Taxi needs its access link
      </Title>
      <Alert color={reason === 'unauthorized' ? 'red' : 'yellow'} mb="md">
        {reason === 'unauthorized'
          ? 'The DB-Taxi server did not accept the access token of this page. It may have restarted with a new token, or this tab is from an older session.'
          : 'This page was opened without an access token, so it cannot talk to the DB-Taxi server.'}
      </Alert>
      <Text mb="sm">To continue:</Text>
      <List spacing="xs">
        <List.Item>
          Open the URL that <Code>db-taxi serve</Code> printed when it started. It ends in <Code>#token=…</Code>.
        </List.Item>
        <List.Item>
          Lost it? The token is stored in <Code>&lt;data_dir&gt;/server-token</Code> on the server (unless set with{' '}
          <Code>DBT_SERVER_TOKEN</Code>); append it to this page&apos;s address as <Code>#token=&lt;token&gt;</Code>.
        </List.Item>
      </List>
    </Container>
  )
}
