import { Alert, Badge, Button, Code, Group, Paper, SimpleGrid, Stack, Text, Tooltip } from '@mantine/core'
import type { ConnectionTestReport } from '../../../../shared/connections'
import { ERROR_HINTS, formatLatency } from '../../connections/format'
import { reportFacts, type Fact, type Tone } from '../../connections/report'
import { PrivilegeGroup } from './PrivilegeGroup'

const TONE_COLOR: Record<Tone, string | undefined> = { ok: 'teal.8', warn: 'orange.8', muted: 'dimmed', plain: undefined }

interface Props {
  report: ConnectionTestReport
  /** Offered when the tunnel was used without a pinned host key: pin the one just seen. */
  onPinHostKey?: (fingerprint: string) => void
}

/** The whole answer of the Test button: every fact on success, the code and a hint on failure. */
export function TestReportView({ report, onPinHostKey }: Props) {
  if (!report.ok) return <TestFailure report={report} />
  const fp = report.ssh.hostKeyFingerprint
  return (
    <Paper withBorder p="sm" radius="sm" data-testid="test-report">
      <Group justify="space-between" mb="xs">
        <Group gap="xs">
          <Badge color="teal" variant="filled" size="sm">
            Connected
          </Badge>
          <Text size="sm" fw={600} data-testid="test-report-version">
            {report.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} {report.serverVersion}
          </Text>
        </Group>
        <Text size="xs" c="dimmed">
          test took {formatLatency(report.durationMs)}
        </Text>
      </Group>
      <SimpleGrid cols={3} spacing="md" verticalSpacing={8}>
        {reportFacts(report)
          .filter((f) => f.key !== 'version')
          .map((f) => (
            <FactRow key={f.key} fact={f} />
          ))}
      </SimpleGrid>
      {report.privileges && (
        <Stack gap={6} mt="sm">
          <Text size="xs" c="dimmed">
            Privileges of this user{report.privileges.database ? ` (global and on ${report.privileges.database})` : ' (global)'}
          </Text>
          <PrivilegeGroup title="As a source" kind="source" privileges={report.privileges} />
          <PrivilegeGroup title="As a target" kind="target" privileges={report.privileges} />
        </Stack>
      )}
      {fp && onPinHostKey && (
        <Alert color="yellow" mt="sm" p="xs" title="SSH host key not pinned">
          <Group justify="space-between" wrap="nowrap">
            <Text size="xs">
              The tunnel accepted <Code>{fp}</Code>. Pin it so another key is refused.
            </Text>
            <Button size="compact-xs" onClick={() => onPinHostKey(fp)} data-testid="test-report-pin">
              Pin this key
            </Button>
          </Group>
        </Alert>
      )}
    </Paper>
  )
}

function FactRow({ fact }: { fact: Fact }) {
  return (
    <div data-testid={`test-report-${fact.key}`}>
      {fact.hint ? (
        <Tooltip label={fact.hint} withArrow multiline w={260}>
          <Text size="xs" c="dimmed" style={{ textDecoration: 'underline dotted', textUnderlineOffset: 3, cursor: 'help', width: 'fit-content' }}>
            {fact.label}
          </Text>
        </Tooltip>
      ) : (
        <Text size="xs" c="dimmed">
          {fact.label}
        </Text>
      )}
      <Text size="sm" fw={500} c={TONE_COLOR[fact.tone]} style={{ overflowWrap: 'anywhere' }}>
        {fact.value}
      </Text>
      {fact.note && (
        <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
          {fact.note}
        </Text>
      )}
    </div>
  )
}

function TestFailure({ report }: { report: ConnectionTestReport }) {
  const code = report.error?.code ?? 'INTERNAL'
  const hint = ERROR_HINTS[code]
  return (
    <Alert color="red" title="Connection failed" data-testid="test-error">
      <Stack gap={4}>
        <Text size="sm">{report.error?.message ?? 'The test failed without saying why.'}</Text>
        {hint && (
          <Text size="sm" c="dimmed">
            {hint}
          </Text>
        )}
        <Group gap="xs">
          <Code data-testid="test-error-code">{code}</Code>
          <Text size="xs" c="dimmed">
            after {formatLatency(report.durationMs)}
            {report.ssh.inUse ? ', through the SSH tunnel' : ''}
          </Text>
        </Group>
      </Stack>
    </Alert>
  )
}
