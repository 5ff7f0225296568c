import { useCallback, useState } from 'react'
import { Badge, Group, Text, Tooltip } from '@mantine/core'
import type { TableInfo } from '../../../../shared/connections'
import { api } from '../../api/runtime'
import { formatRowEstimate, hasUsableKey, tableSize } from '../../connections/format'
import { useLazyLoad } from '../../hooks/useLazyLoad'
import { ColumnRow, ColumnsHeader } from './ColumnRow'
import { LoadFailure } from './LoadFailure'
import { TreeRow } from './TreeRow'
import classes from './tree.module.css'

interface Props {
  connectionId: string
  database: string
  table: TableInfo
}

/** A table or view: row estimate, size, a warning when it has no key; columns load when opened. */
export function TableNode({ connectionId, database, table }: Props) {
  const [open, setOpen] = useState(false)
  const loader = useCallback(
    () => api().call('connections.columns', { id: connectionId, database, table: table.name }),
    [connectionId, database, table.name]
  )
  const { state, load } = useLazyLoad(loader)
  const toggle = (): void => {
    if (!open) load()
    setOpen(!open)
  }
  const isView = table.type !== 'table'
  return (
    <div role="group">
      <TreeRow
        level={2}
        testId={`table-${database}.${table.name}`}
        expanded={open}
        onToggle={toggle}
        loading={state.status === 'loading'}
        label={
          <Group gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
            <Text size="sm" ff="monospace" truncate>
              {table.name}
            </Text>
            {isView && (
              <Badge size="xs" variant="light" color="indigo">
                {table.type}
              </Badge>
            )}
            {!isView && !hasUsableKey(table) && (
              <Tooltip
                multiline
                w={320}
                withArrow
                label="No primary key and no unique key on NOT NULL columns. DB-Taxi can still copy this table and verify it, but only as a whole: it cannot be copied in chunks or compared row by row."
              >
                <Badge size="xs" variant="light" color="orange" data-testid={`nokey-${database}.${table.name}`}>
                  no key
                </Badge>
              </Tooltip>
            )}
          </Group>
        }
        meta={
          <>
            <span className={classes.meta} style={{ minWidth: 90 }}>
              {formatRowEstimate(table.rowsEstimate)}
            </span>
            <span className={classes.meta} style={{ minWidth: 64 }}>
              {tableSize(table)}
            </span>
          </>
        }
      />
      {open && state.status === 'error' && <LoadFailure level={3} error={state.error} onRetry={load} />}
      {open && state.status === 'done' && (
        <div role="group">
          <ColumnsHeader />
          {state.data.map((c) => (
            <ColumnRow key={c.name} testId={`column-${database}.${table.name}.${c.name}`} column={c} />
          ))}
        </div>
      )}
    </div>
  )
}
