import { Fragment } from 'react'
import { Badge, Code, Group, Progress, Stack, Table, Text, Tooltip } from '@mantine/core'
import { formatBytes } from '../../connections/format'
import { formatDurationMs, formatRowRate } from '../../format/numbers'
import { chunksText } from '../../jobs/format'
import { etaSeconds, formatEta, rowsText, tableProgress, type LiveTable } from '../../jobs/progress'
import { TableStatusBadge, VerificationCell } from './Badges'

/** Per table: a bar, rows, rows/s, ETA, status, verification; notes and errors under the row. */
export function TablesProgress({ tables, active }: { tables: LiveTable[]; active: boolean }) {
  if (tables.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="job-tables-empty">
        {active ? 'The tables are listed once the run has read the source.' : 'The run ended before it started on any table.'}
      </Text>
    )
  }
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table verticalSpacing={6} fz="sm" data-testid="job-tables">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Table</Table.Th>
            <Table.Th w={220}>Progress</Table.Th>
            <Table.Th ta="right">Rows</Table.Th>
            <Table.Th ta="right">Rate</Table.Th>
            <Table.Th ta="right">ETA / time</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Verification</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tables.map((t) => {
            const p = tableProgress(t)
            const chunks = chunksText(t.chunksDone)
            const eta = etaSeconds(t)
            const changes = changesText(t)
            const extra = (t.notes?.length ?? 0) > 0 || t.error || changes
            return (
              <Fragment key={t.source}>
                <Table.Tr data-testid={`job-table-${t.source}`} data-status={t.status} style={extra ? { borderBottom: 'none' } : undefined}>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Text size="sm" ff="monospace">
                        {t.source}
                        {t.target !== t.source && (
                          <Text span c="dimmed">
                            {' → '}
                            {t.target}
                          </Text>
                        )}
                      </Text>
                      {t.mode !== 'full' && (
                        <Tooltip
                          label={
                            t.mode === 'incremental'
                              ? 'Only rows at or past the watermark of the cursor are read and upserted; verification repairs what the cursor did not show.'
                              : 'Source and target compared by checksums; only the rows that differ were inserted, updated or deleted.'
                          }
                          withArrow
                          multiline
                          w={280}
                        >
                          <Badge size="xs" variant="light" color={t.mode === 'incremental' ? 'teal' : 'grape'} data-testid={`job-table-mode-${t.source}`}>
                            {t.mode}
                          </Badge>
                        </Tooltip>
                      )}
                      {t.keyless && (
                        <Tooltip label="No usable key: copied in one stream and verified as a whole." withArrow multiline w={260}>
                          <Badge size="xs" variant="light" color="orange">
                            no key
                          </Badge>
                        </Tooltip>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={2}>
                      <Progress
                        value={p.percent ?? 100}
                        color={p.color}
                        striped={p.active}
                        animated={p.active}
                        size="lg"
                        radius="sm"
                        aria-label={`${t.source} progress`}
                        data-testid={`job-table-bar-${t.source}`}
                        data-percent={p.percent === null ? '' : Math.round(p.percent)}
                      />
                      <Text size="xs" c="dimmed">
                        {p.percent === null ? 'no estimate' : `${t.status === 'copying' ? '~' : ''}${Math.round(p.percent)}%`}
                        {t.bytes > 0 ? ` · ${formatBytes(t.bytes)}` : ''}
                        {chunks !== null && (
                          <span data-testid={`job-table-chunks-${t.source}`} title="Chunks committed so far: a resume continues after the last one.">
                            {` · ${chunks}`}
                          </span>
                        )}
                      </Text>
                    </Stack>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm" ff="monospace" data-testid={`job-table-rows-${t.source}`}>
                      {rowsText(t)}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm" ff="monospace">
                      {t.status === 'pending' || t.status === 'skipped' ? '—' : formatRowRate(t.rowsPerSecond)}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm" ff="monospace">
                      {t.status === 'copying' ? formatEta(eta) : t.durationMs !== undefined && t.status !== 'pending' ? formatDurationMs(t.durationMs) : '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <TableStatusBadge status={t.status} testId={`job-table-status-${t.source}`} />
                  </Table.Td>
                  <Table.Td>
                    <VerificationCell table={t} testId={`job-table-verified-${t.source}`} />
                  </Table.Td>
                </Table.Tr>
                {extra && (
                  <Table.Tr>
                    <Table.Td colSpan={7} pt={0}>
                      <Stack gap={2} pl="md">
                        {changes && (
                          <Text size="xs" data-testid={`job-table-changes-${t.source}`}>
                            {changes}
                          </Text>
                        )}
                        {t.error && (
                          <Text size="xs" c="red" data-testid={`job-table-error-${t.source}`}>
                            <Code color="red.1">{t.error.code}</Code> {t.error.message}
                          </Text>
                        )}
                        {t.notes?.map((n, i) => (
                          <Text key={i} size="xs" c="dimmed" data-testid={`job-table-note-${t.source}`}>
                            {n}
                          </Text>
                        ))}
                      </Stack>
                    </Table.Td>
                  </Table.Tr>
                )}
              </Fragment>
            )
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}

/** An incremental table's outcome in one line: what changed, what was repaired, where the next run reads from. */
export function changesText(t: Pick<LiveTable, 'mode' | 'inserted' | 'updated' | 'deleted' | 'repaired' | 'watermark' | 'status'>): string | null {
  if (t.mode === 'diff' && t.status === 'done') return `${t.inserted} inserted · ${t.updated} updated · ${t.deleted} deleted`
  if (t.mode !== 'incremental' || !t.watermark) return null
  const { before, after } = t.watermark
  const mark = (v: string[] | null): string => (v ? v.join(', ') : 'none')
  if (before === null) return after ? `Copied whole; the next run reads from ${mark(after)}.` : null
  const parts = [`${t.inserted} inserted`, `${t.updated} updated`]
  if (t.repaired) parts.push(`${t.repaired} repaired`)
  const moved = t.status === 'done' ? `watermark ${mark(before)} → ${mark(after)}` : `read from ${mark(before)}`
  return `${parts.join(' · ')} · ${moved}`
}
