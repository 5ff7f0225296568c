import { Group, Text, Tooltip } from '@mantine/core'
import type { ConnectionTestReport } from '../../../../shared/connections'
import { privilegeSummary, sourcePrivileges, targetPrivileges } from '../../connections/report'

type Privileges = NonNullable<ConnectionTestReport['privileges']>

/** One row of check marks: the privileges a source (or a target) needs, and whether each is granted. */
export function PrivilegeGroup({ title, kind, privileges }: { title: string; kind: 'source' | 'target'; privileges: Privileges }) {
  const list = kind === 'source' ? sourcePrivileges(privileges.source) : targetPrivileges(privileges.target)
  const summary = privilegeSummary(list)
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start" data-testid={`test-report-privileges-${kind}`}>
      <Text size="sm" fw={500} w={90} style={{ flex: 'none' }}>
        {title}
      </Text>
      <Group gap={10} style={{ rowGap: 2 }}>
        {list.map((p) => (
          <Tooltip key={p.name} label={`${p.granted ? 'Granted' : 'Not granted'}: needed to ${p.why}`} withArrow>
            <Text size="xs" ff="monospace" c={p.granted ? 'teal.8' : 'red.7'} data-granted={p.granted} style={{ whiteSpace: 'nowrap' }}>
              {p.granted ? '✓' : '✗'} {p.name}
            </Text>
          </Tooltip>
        ))}
        <Text size="xs" c={summary.ok ? 'dimmed' : 'orange.8'}>
          {summary.ok ? '' : `· ${summary.text}`}
        </Text>
      </Group>
    </Group>
  )
}
