import type { ReactNode } from 'react'
import { Alert, Badge, Button, Code, Group, List, Stack, Table, Text, Title } from '@mantine/core'
import type { ConnectionInfo } from '../../../../shared/connections'
import type { SyncValidation } from '../../../../shared/syncs'
import { ON_EXISTS_TEXT, WRITE_PATH_TEXT, connectionLabel } from '../../syncs/summary'
import { mappingsOf, scheduleOf, type WizardState } from '../../syncs/wizard-model'

interface Props {
  state: WizardState
  connections: ConnectionInfo[] | null
  validation: SyncValidation | null
  validating: boolean
  onValidate(): void
  /** Validation needs a saved config: say that Validate saves first. */
  saved: boolean
}

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Table.Tr>
      <Table.Th w={180} fw={500} c="dimmed" style={{ verticalAlign: 'top' }}>
        {label}
      </Table.Th>
      <Table.Td data-testid={testId}>{children}</Table.Td>
    </Table.Tr>
  )
}

/** Step 5: the whole config on one screen, and a check against the servers. */
export function ReviewStep({ state, connections, validation, validating, onValidate, saved }: Props) {
  const mappings = mappingsOf(state)
  const o = state.options
  const schedule = scheduleOf(state)
  const objects = [o.views && 'views', o.triggers && 'triggers', o.routines && 'routines'].filter(Boolean).join(', ')
  return (
    <Stack gap="md">
      <Table withTableBorder verticalSpacing={6} fz="sm" data-testid="sync-review">
        <Table.Tbody>
          <Row label="Name" testId="review-name">
            {state.name}
          </Row>
          <Row label="Source" testId="review-source">
            {state.sourceConnectionId ? connectionLabel(state.sourceConnectionId, connections) : '—'} · <Code>{state.sourceDatabase}</Code>
          </Row>
          <Row label="Target" testId="review-target">
            {state.targetConnectionId ? connectionLabel(state.targetConnectionId, connections) : '—'} · <Code>{state.targetDatabase}</Code>
          </Row>
          <Row label="Tables" testId="review-tables">
            {state.selection === 'all' && (
              <Text size="sm" mb={mappings.length ? 4 : 0}>
                All tables{state.include.length ? ` matching ${state.include.join(', ')}` : ''}
                {state.exclude.length ? ` except ${state.exclude.join(', ')}` : ''}
                {mappings.length ? ', with these settings:' : ''}
              </Text>
            )}
            <Stack gap={2}>
              {mappings.map((m) => (
                <Text size="sm" key={m.source} ff="monospace" data-testid={`review-table-${m.source}`}>
                  {m.source}
                  {m.target ? ` → ${m.target}` : ''}
                  {m.where ? `  WHERE (${m.where})` : ''}
                  {m.excludeColumns ? `  without ${m.excludeColumns.join(', ')}` : ''}
                  {m.mode === 'incremental' ? `  incremental by ${(m.cursor ?? []).join(', ')}` : m.mode === 'diff' ? '  diff (inserts, updates, deletes)' : ''}
                </Text>
              ))}
            </Stack>
          </Row>
          <Row label="Existing tables">
            {ON_EXISTS_TEXT[o.onExists].label}
            {o.recreateOnMismatch && o.onExists !== 'replace' ? ', recreated when the schema differs' : ''}
          </Row>
          <Row label="Options">
            {[
              o.createMissing ? 'create missing' : 'do not create missing',
              o.verify ? 'verify' : 'no verification',
              `chunks of ${o.chunkRows === '' ? 'the default size' : `${o.chunkRows.toLocaleString('en-US')} rows`}`,
              `parallelism ${o.parallelism === '' ? '2 (default)' : o.parallelism}`,
              o.writePath === 'auto' ? null : `write path: ${WRITE_PATH_TEXT[o.writePath].label}`,
              o.swap === 'together' ? 'tables switch in together' : 'each table switches in when ready',
              objects ? `also ${objects}` : null
            ]
              .filter(Boolean)
              .join(' · ')}
          </Row>
          <Row label="Schedule" testId="review-schedule">
            {schedule === null
              ? 'manual only'
              : schedule.kind === 'cron'
                ? `cron ${schedule.cron}${schedule.timezone ? ` (${schedule.timezone})` : ' (local time of the DB-Taxi host)'}`
                : `every ${schedule.every}`}
            {schedule && schedule.catchUp ? ', catches up missed runs' : ''}
            {schedule && !schedule.enabled ? ', paused' : ''}
          </Row>
        </Table.Tbody>
      </Table>

      <Group gap="sm">
        <Button variant="light" onClick={onValidate} loading={validating} data-testid="sync-validate">
          Save and validate
        </Button>
        <Text size="xs" c="dimmed">
          {saved
            ? 'Saves the changes, then checks the config against both servers.'
            : 'Saves the config, then checks it against both servers: connections, tables, target writable.'}
        </Text>
      </Group>

      {validation &&
        (validation.ok ? (
          <Alert color="green" title="Valid" data-testid="sync-validation" data-ok="true">
            <Text size="sm">
              {validation.tables.length} {validation.tables.length === 1 ? 'table' : 'tables'} to copy:{' '}
              {validation.tables.map((t) => (t.source === t.target ? t.source : `${t.source} → ${t.target}`)).join(', ')}
            </Text>
          </Alert>
        ) : (
          <Alert color="red" title="Problems" data-testid="sync-validation" data-ok="false">
            <List size="sm" spacing={4}>
              {validation.problems.map((p, i) => (
                <List.Item key={i}>
                  <Badge size="xs" color="red" variant="light" mr={6}>
                    {p.code}
                  </Badge>
                  {p.table ? <b>{p.table}: </b> : null}
                  {p.message}
                </List.Item>
              ))}
            </List>
          </Alert>
        ))}
      <Title order={6} c="dimmed" fw={400}>
        Nothing is copied until you press Run on the Syncs page (or the schedule fires).
      </Title>
    </Stack>
  )
}
