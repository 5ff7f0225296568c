import { useCallback, useDeferredValue, useMemo } from 'react'
import { Grid, MultiSelect, SegmentedControl, Text, TextInput } from '@mantine/core'
import { CursorChoice } from './CursorChoice'
import { api } from '../../api/runtime'
import { useRemote } from '../../hooks/useRemote'
import { EMPTY_OVERRIDE, filterError, type FieldErrors, type TableOverride } from '../../syncs/wizard-model'

interface Props {
  connectionId: string
  database: string
  table: string
  value: TableOverride | undefined
  onChange(patch: Partial<TableOverride>): void
  errors: FieldErrors
}

const MONO = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } }

/** Per table: how it is kept current (and its cursor), target name, WHERE filter (runs on the source only), columns to leave out. */
export function TableOverrideFields({ connectionId, database, table, value, onChange, errors }: Props) {
  const o = value ?? EMPTY_OVERRIDE
  const loader = useCallback(() => api().call('connections.columns', { id: connectionId, database, table }), [connectionId, database, table])
  const columns = useRemote(`${connectionId}/${database}/${table}`, loader)
  const names = columns.data?.map((c) => c.name) ?? []
  // Saved exclusions stay visible before the columns are loaded (or if a column is gone).
  const data = [
    ...(columns.data ?? []).map((c) => ({ value: c.name, label: `${c.name}  ${c.type}${c.key === 'PRI' ? '  (primary key)' : ''}` })),
    ...o.excludeColumns.filter((c) => !names.includes(c)).map((c) => ({ value: c, label: c }))
  ]
  const key = (f: string): string => `tables.${table}.${f}`
  // The filter is checked while it is typed, by the server's own check, with this table's columns once
  // they are loaded (an unknown column is named then). Deferred, so a long filter never slows typing.
  const typed = useDeferredValue(o.where)
  const loaded = columns.data
  const whereProblem = useMemo(() => filterError(table, typed, loaded?.map((c) => c.name)), [table, typed, loaded])
  return (
    <Grid gap="sm" p="xs" data-testid={`table-options-${table}`}>
      <Grid.Col span={12}>
        <Text size="sm" fw={500}>
          Each run
        </Text>
        <SegmentedControl
          size="xs"
          mt={4}
          value={o.mode}
          onChange={(v) => onChange({ mode: v as TableOverride['mode'] })}
          data={[
            { value: 'full', label: 'Copies the table whole' },
            { value: 'incremental', label: 'Carries new and changed rows (incremental)' },
            { value: 'diff', label: 'Compares and carries every difference (diff)' }
          ]}
          data-testid={`table-mode-${table}`}
        />
        {o.mode === 'diff' && (
          <Text size="xs" c="dimmed" mt={4} data-testid={`table-diff-note-${table}`}>
            Each run compares source and target by checksums, then inserts, updates and deletes only the rows that differ (the first run copies the
            table whole). Needs a primary key or a unique NOT NULL key. A run that would delete more than maxDeletes (10% of the table unless set)
            stops before changing anything; Run shows the changes first.
          </Text>
        )}
        {o.mode === 'incremental' && (
          <CursorChoice
            connectionId={connectionId}
            database={database}
            table={table}
            columns={columns.data ?? null}
            value={o.cursor}
            onChange={(cursor) => onChange({ cursor })}
            error={errors[key('cursor')]}
          />
        )}
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <TextInput
          label="Target table"
          description="Empty: the same name as the source."
          placeholder={table}
          value={o.target}
          onChange={(e) => onChange({ target: e.currentTarget.value })}
          error={errors[key('target')]}
          styles={MONO}
          data-testid={`table-target-${table}`}
        />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 8 }}>
        <TextInput
          label="Row filter"
          description="Only rows matching it are copied and verified. Runs on the source, read-only: the table's columns, values, operators and pure functions (see the README); no subqueries, variables or comments."
          placeholder="e.g. created_at >= NOW() - INTERVAL 30 DAY"
          value={o.where}
          onChange={(e) => onChange({ where: e.currentTarget.value })}
          error={errors[key('where')] ?? whereProblem}
          leftSection={
            <Text size="sm" ff="monospace" c="dimmed">
              WHERE (
            </Text>
          }
          leftSectionWidth={72}
          rightSection={
            <Text size="sm" ff="monospace" c="dimmed">
              )
            </Text>
          }
          styles={MONO}
          data-testid={`table-where-${table}`}
        />
      </Grid.Col>
      <Grid.Col span={12}>
        <MultiSelect
          label="Leave out columns"
          description="Not created on the target and not copied. Generated columns are recomputed anyway."
          placeholder={columns.status === 'loading' ? 'Loading columns…' : o.excludeColumns.length ? undefined : 'All columns are copied'}
          searchable
          clearable
          data={data}
          value={o.excludeColumns}
          onChange={(v) => onChange({ excludeColumns: v })}
          error={errors[key('excludeColumns')] ?? (columns.status === 'error' ? `Could not list the columns: ${columns.error.message}` : undefined)}
          nothingFoundMessage="No column matches"
          data-testid={`table-exclude-${table}`}
        />
      </Grid.Col>
    </Grid>
  )
}
