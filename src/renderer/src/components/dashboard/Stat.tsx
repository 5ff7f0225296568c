import type { ReactNode } from 'react'
import { Card, Group, Text, Title } from '@mantine/core'

/** A titled card on the Dashboard. */
export function StatCard({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <Card withBorder padding="md" data-testid={testId}>
      <Title order={4} mb="xs">
        {title}
      </Title>
      {children}
    </Card>
  )
}

/** One labelled value; the test id sits on the value itself so tests read exactly the number shown. */
export function Stat({ label, value, testId }: { label: string; value: ReactNode; testId: string }) {
  return (
    <Group justify="space-between" gap="xs" wrap="nowrap">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={600} data-testid={testId} style={{ overflowWrap: 'anywhere', textAlign: 'right' }}>
        {value}
      </Text>
    </Group>
  )
}
