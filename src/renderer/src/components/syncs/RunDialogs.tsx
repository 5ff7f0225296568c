import { Alert, Anchor, Badge, Button, Code, Group, Modal, Stack, Table, Text } from '@mantine/core'
import type { ErrorBody } from '../../../../shared/errors'
import type { SyncConfig, SyncPlan } from '../../../../shared/syncs'
import { formatCount } from '../../format/numbers'
import { jobHash } from '../../routing/routes'
import { deadLeftovers, PLAN_ACTION_COLOR, swapText, tablesToConfirm } from '../../syncs/summary'
import { ErrorAlert } from '../ErrorAlert'

export type RunDialog =
  | { kind: 'confirm'; sync: SyncConfig; plan: SyncPlan }
  | { kind: 'active'; sync: SyncConfig; jobId: string | null; message: string }
  | { kind: 'error'; sync: SyncConfig; error: ErrorBody; stage: 'plan' | 'run' }

interface Props {
  dialog: RunDialog
  starting: boolean
  onConfirm(): void
  onClose(): void
}

/** Before a run: which existing target tables it will replace (or truncate); and why a run did not start. */
export function RunDialogs({ dialog, starting, onConfirm, onClose }: Props) {
  if (dialog.kind === 'confirm') {
    const { plan } = dialog
    const risky = tablesToConfirm(plan)
    const refusing = risky.filter((t) => t.action === 'fail')
    const changing = risky.filter((t) => t.action !== 'fail')
    const blocked = plan.problems.length > 0
    const clearing = deadLeftovers(plan)
    const others = plan.leftovers.filter((l) => l.state !== 'dead')
    return (
      <Modal
        opened
        onClose={onClose}
        size="lg"
        title={<Text fw={600}>Run {dialog.sync.name}?</Text>}
        attributes={{ content: { 'data-testid': 'run-confirm' } }}
      >
        <Stack gap="sm">
          {blocked && (
            <Alert color="red" p="xs" title="The run would stop before writing anything" data-testid="run-confirm-problems">
              <Stack gap={4}>
                {plan.problems.map((p, i) => (
                  <Text size="sm" key={i}>
                    {p.table ? <Code>{p.table}</Code> : null} {p.message} <Text span size="xs" c="dimmed">({p.code})</Text>
                  </Text>
                ))}
                <Text size="xs">Fix these in the sync or on the target, then run it.</Text>
              </Stack>
            </Alert>
          )}
          {clearing.length > 0 && (
            <Alert color="yellow" p="xs" title="Left over by runs that did not finish" data-testid="run-confirm-leftovers">
              <Text size="sm">
                <Text span ff="monospace" size="sm">
                  {clearing.flatMap((l) => l.tables).join(', ') || 'statements still running'}
                </Text>
                {clearing.some((l) => l.queries > 0) ? ` and ${clearing.reduce((n, l) => n + l.queries, 0)} statement(s) still running` : ''}.{' '}
                {clearing.length === 1 ? 'The run that left this is' : 'The runs that left these are'} no longer alive: this run clears{' '}
                {clearing.length === 1 ? 'it' : 'them'} first, then copies.
              </Text>
            </Alert>
          )}
          {others.length > 0 && (
            <Text size="xs" c="dimmed" data-testid="run-confirm-kept">
              Left alone: {others.map((l) => `${l.tables.join(', ')} (${l.reason})`).join('; ')}.
            </Text>
          )}
          {changing.length > 0 && (
            <Text size="sm">
              {changing.length === 1 ? 'This existing table' : `These ${changing.length} existing tables`} in <Code>{plan.targetDatabase}</Code>{' '}
              {changing.length === 1 ? 'will be' : 'will be'} overwritten with the source’s rows:
            </Text>
          )}
          {refusing.length > 0 && (
            <Alert color="red" p="xs" data-testid="run-confirm-fail">
              {refusing.map((t) => t.target).join(', ')} {refusing.length === 1 ? 'exists' : 'exist'} and the sync is set to fail on existing
              tables: the run will stop there.
            </Alert>
          )}
          <Table withTableBorder fz="sm" verticalSpacing={4} data-testid="run-confirm-tables">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Target table</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th ta="right">Source rows</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {plan.tables.map((t) => (
                <Table.Tr key={t.source} data-testid={`run-confirm-row-${t.target}`} fw={risky.includes(t) ? 600 : undefined}>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {t.target}
                    </Text>
                    {t.source !== t.target && (
                      <Text size="xs" c="dimmed" ff="monospace">
                        from {t.source}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="light" color={PLAN_ACTION_COLOR[t.action]} data-testid={`run-confirm-action-${t.target}`}>
                      {t.action}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm" ff="monospace">
                      ~{formatCount(t.rowsEstimated)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {plan.replaces.length > 0 && (
            <Text size="xs" c="dimmed" data-testid="run-confirm-swap">
              {swapText(plan)}
            </Text>
          )}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose} disabled={starting} data-testid="run-confirm-cancel">
              Cancel
            </Button>
            <Button color={changing.length ? 'orange' : undefined} onClick={onConfirm} loading={starting} disabled={blocked} data-testid="run-confirm-ok">
              {changing.length ? `Overwrite ${changing.length} ${changing.length === 1 ? 'table' : 'tables'} and run` : 'Run'}
            </Button>
          </Group>
        </Stack>
      </Modal>
    )
  }
  if (dialog.kind === 'active') {
    return (
      <Modal opened onClose={onClose} title={<Text fw={600}>Already running</Text>} attributes={{ content: { 'data-testid': 'run-active' } }}>
        <Stack gap="sm">
          <Text size="sm">{dialog.message}</Text>
          <Text size="sm">A sync runs one job at a time. Wait for it to finish, or cancel it from its page.</Text>
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>
              Close
            </Button>
            {dialog.jobId && (
              <Button component="a" href={jobHash(dialog.jobId)} onClick={onClose} data-testid="run-active-link">
                Open the running job
              </Button>
            )}
          </Group>
        </Stack>
      </Modal>
    )
  }
  return (
    <Modal
      opened
      onClose={onClose}
      title={<Text fw={600}>{dialog.stage === 'plan' ? 'Could not prepare the run' : 'Could not start the run'}</Text>}
      attributes={{ content: { 'data-testid': 'run-error' } }}
    >
      <Stack gap="sm">
        <ErrorAlert error={dialog.error} title={dialog.sync.name} />
        {dialog.stage === 'plan' && (
          <Text size="sm" c="dimmed">
            Before a run DB-Taxi reads both servers to list the tables it will change. Check the connections on the{' '}
            <Anchor href="#/connections">Connections</Anchor> page.
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
        </Group>
      </Stack>
    </Modal>
  )
}
