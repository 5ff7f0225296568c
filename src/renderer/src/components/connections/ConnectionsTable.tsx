import { Badge, Button, Group, Table, Text } from '@mantine/core'
import type { ConnectionInfo } from '../../../../shared/connections'
import { formatLatency, TLS_MODE_LABELS } from '../../connections/format'
import { StatusDot } from './StatusDot'

interface Props {
  items: ConnectionInfo[]
  browsing: string | null
  onBrowse(c: ConnectionInfo): void
  onEdit(c: ConnectionInfo): void
  onDelete(c: ConnectionInfo): void
}

/** The saved connections, one compact row each. */
export function ConnectionsTable({ items, browsing, onBrowse, onEdit, onDelete }: Props) {
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table striped highlightOnHover verticalSpacing={6} horizontalSpacing="sm" fz="sm" data-testid="connections-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={130}>Status</Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th>Server</Table.Th>
            <Table.Th>User</Table.Th>
            <Table.Th>Database</Table.Th>
            <Table.Th>Security</Table.Th>
            <Table.Th ta="right">Latency</Table.Th>
            <Table.Th w={200} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((c) => (
            <ConnectionRow
              key={c.id}
              c={c}
              active={browsing === c.id}
              onBrowse={() => onBrowse(c)}
              onEdit={() => onEdit(c)}
              onDelete={() => onDelete(c)}
            />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}

function ConnectionRow(props: { c: ConnectionInfo; active: boolean; onBrowse(): void; onEdit(): void; onDelete(): void }) {
  const { c } = props
  const up = c.health.state === 'connected' || c.health.state === 'degraded'
  return (
    <Table.Tr data-testid={`connection-row-${c.name}`} bg={props.active ? 'var(--mantine-color-blue-light)' : undefined}>
      <Table.Td>
        <StatusDot health={c.health} testId={`connection-status-${c.name}`} />
      </Table.Td>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          <Text size="sm" fw={600}>
            {c.name}
          </Text>
          {c.readOnly && (
            <Badge size="xs" variant="light" color="orange" title="Never used as a sync target">
              read-only
            </Badge>
          )}
        </Group>
      </Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace">
          {c.host}:{c.port}
        </Text>
      </Table.Td>
      <Table.Td>{c.user}</Table.Td>
      <Table.Td>{c.database ?? <Text span size="sm" c="dimmed">—</Text>}</Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          <Badge size="xs" variant="outline" color={c.tls.mode === 'disabled' ? 'gray' : 'teal'}>
            TLS {TLS_MODE_LABELS[c.tls.mode].label.toLowerCase()}
          </Badge>
          {c.ssh && (
            <Badge size="xs" variant="outline" color="violet" title={`SSH tunnel via ${c.ssh.user}@${c.ssh.host}:${c.ssh.port}`}>
              SSH
            </Badge>
          )}
        </Group>
      </Table.Td>
      <Table.Td ta="right" data-testid={`connection-latency-${c.name}`}>
        <Text size="sm" c={up ? undefined : 'dimmed'} ff="monospace">
          {up ? formatLatency(c.health.latencyMs) : '—'}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group gap={4} justify="flex-end" wrap="nowrap">
          <Button size="compact-xs" variant={props.active ? 'filled' : 'light'} onClick={props.onBrowse} data-testid={`browse-${c.name}`}>
            Browse
          </Button>
          <Button size="compact-xs" variant="default" onClick={props.onEdit} data-testid={`edit-${c.name}`}>
            Edit
          </Button>
          <Button size="compact-xs" variant="subtle" color="red" onClick={props.onDelete} data-testid={`delete-${c.name}`}>
            Delete
          </Button>
        </Group>
      </Table.Td>
    </Table.Tr>
  )
}
