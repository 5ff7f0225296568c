import { useCallback, useState } from 'react'
import { Badge, Text } from '@mantine/core'
import type { DatabaseInfo } from '../../../../shared/connections'
import { api } from '../../api/runtime'
import { useLazyLoad } from '../../hooks/useLazyLoad'
import { LoadFailure } from './LoadFailure'
import { TableNode } from './TableNode'
import { TreeRow } from './TreeRow'
import classes from './tree.module.css'

/** A database; its tables load the first time it is opened. */
export function DatabaseNode({ connectionId, db }: { connectionId: string; db: DatabaseInfo }) {
  const [open, setOpen] = useState(false)
  const loader = useCallback(() => api().call('connections.tables', { id: connectionId, database: db.name }), [connectionId, db.name])
  const { state, load } = useLazyLoad(loader)
  const toggle = (): void => {
    if (!open) load()
    setOpen(!open)
  }
  return (
    <div role="group">
      <TreeRow
        level={1}
        testId={`db-${db.name}`}
        expanded={open}
        onToggle={toggle}
        loading={state.status === 'loading'}
        label={
          <>
            <Text size="sm" fw={600} truncate>
              {db.name}
            </Text>
            {db.system && (
              <Badge size="xs" variant="light" color="gray">
                system
              </Badge>
            )}
          </>
        }
        meta={
          <span className={classes.meta}>
            {state.status === 'done' ? `${state.data.length} ${state.data.length === 1 ? 'table' : 'tables'} · ` : ''}
            {db.collation}
          </span>
        }
      />
      {open && state.status === 'error' && <LoadFailure level={2} error={state.error} onRetry={load} />}
      {open && state.status === 'done' && state.data.length === 0 && <EmptyLine text="No tables" />}
      {open &&
        state.status === 'done' &&
        state.data.map((t) => <TableNode key={t.name} connectionId={connectionId} database={db.name} table={t} />)}
    </div>
  )
}

function EmptyLine({ text }: { text: string }) {
  return (
    <Text size="xs" c="dimmed" pl={6 + 18 + 18} py={4}>
      {text}
    </Text>
  )
}
