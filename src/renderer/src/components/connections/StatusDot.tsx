import { Box, Group, Text, Tooltip } from '@mantine/core'
import type { ConnectionHealth } from '../../../../shared/connections'
import { healthDetail, STATE_PRESENTATION } from '../../connections/format'

/** A coloured dot and its word; the tooltip says why (last error, next retry). */
export function StatusDot({ health, testId }: { health: ConnectionHealth; testId?: string }) {
  const p = STATE_PRESENTATION[health.state]
  return (
    <Tooltip
      multiline
      w={300}
      withArrow
      label={healthDetail(health).map((line) => (
        <div key={line}>{line}</div>
      ))}
    >
      <Group gap={6} wrap="nowrap" data-testid={testId} data-state={health.state}>
        <Box
          aria-hidden
          w={9}
          h={9}
          style={{ borderRadius: '50%', flex: 'none', background: `var(--mantine-color-${p.color}-6)` }}
        />
        <Text size="sm" c={health.state === 'idle' ? 'dimmed' : undefined} style={{ whiteSpace: 'nowrap' }}>
          {p.label}
        </Text>
      </Group>
    </Tooltip>
  )
}
