import { useCallback, useEffect } from 'react'
import { Alert, Button, Group, List, MultiSelect, Stack, Text } from '@mantine/core'
import type { ColumnInfo, CursorCandidate } from '../../../../shared/connections'
import { api } from '../../api/runtime'
import { useRemote } from '../../hooks/useRemote'

interface Props {
  connectionId: string
  database: string
  table: string
  /** The table's columns once loaded (the choice offers them all). */
  columns: ColumnInfo[] | null
  value: string[]
  onChange(cursor: string[]): void
  error?: string
}

const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/**
 * The cursor of an incremental table: the columns it is read by, with the best candidate the schema
 * offers suggested (and taken when nothing is chosen yet), the reason, and what to know about it.
 */
export function CursorChoice({ connectionId, database, table, columns, value, onChange, error }: Props) {
  const loader = useCallback(() => api().call('connections.cursors', { id: connectionId, database, table }), [connectionId, database, table])
  const candidates = useRemote(`cursors/${connectionId}/${database}/${table}`, loader)
  const best: CursorCandidate | undefined = candidates.data?.[0]
  const chosen = candidates.data?.find((c) => same(c.columns, value))
  useEffect(() => {
    // Switching a table to incremental takes the suggestion; a choice already made stays.
    if (value.length === 0 && best) onChange(best.columns)
  }, [best, value.length, onChange])
  const data = (columns ?? []).map((c) => ({ value: c.name, label: `${c.name}  ${c.type}` }))
  for (const v of value) if (!data.some((d) => d.value === v)) data.push({ value: v, label: v })
  return (
    <Stack gap={6} mt="xs" data-testid={`table-cursor-box-${table}`}>
      <MultiSelect
        label="Cursor"
        description="Rows whose cursor is at or past the last run's watermark are read and upserted; several columns compare as a tuple. The first run copies the table whole. Deletes are not carried."
        placeholder={value.length ? undefined : candidates.status === 'loading' ? 'Looking for a cursor…' : 'Choose a column'}
        searchable
        data={data}
        value={value}
        onChange={onChange}
        error={error}
        nothingFoundMessage="No column matches"
        data-testid={`table-cursor-${table}`}
      />
      {best && !same(best.columns, value) && (
        <Group gap="xs" data-testid={`table-cursor-suggestion-${table}`}>
          <Text size="xs" c="dimmed">
            Suggested: <b>{best.columns.join(', ')}</b>: {best.reason}.
          </Text>
          <Button size="compact-xs" variant="light" onClick={() => onChange(best.columns)} data-testid={`table-cursor-use-${table}`}>
            Use it
          </Button>
        </Group>
      )}
      {chosen && (
        <Text size="xs" c="dimmed" data-testid={`table-cursor-reason-${table}`}>
          Why this cursor: {chosen.reason}.
        </Text>
      )}
      {chosen && chosen.caveats.length > 0 && (
        <Alert color="yellow" variant="light" p="xs" data-testid={`table-cursor-caveats-${table}`}>
          <List size="xs" spacing={2}>
            {chosen.caveats.map((c) => (
              <List.Item key={c}>{c}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {candidates.status === 'done' && candidates.data.length === 0 && (
        <Text size="xs" c="orange" data-testid={`table-cursor-none-${table}`}>
          No column of {table} looks like a cursor (a TIMESTAMP or DATETIME that moves on every update, or an AUTO_INCREMENT key). Choose one, or keep the table a full copy.
        </Text>
      )}
    </Stack>
  )
}
