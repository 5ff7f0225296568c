import { Badge, Text } from '@mantine/core'
import type { ColumnInfo } from '../../../../shared/connections'
import classes from './tree.module.css'

const KEY_COLORS: Record<string, string> = { PRI: 'yellow', UNI: 'blue', MUL: 'gray' }
const PAD = { paddingLeft: 6 + 2 * 18 + 18 }

/** Captions over a table's columns, aligned with ColumnRow's grid. */
export function ColumnsHeader() {
  return (
    <div className={classes.row} style={{ ...PAD, minHeight: 20 }}>
      <div className={classes.columns}>
        {['Column', 'Type', 'Key', 'Null'].map((h) => (
          <Text key={h} size="xs" c="dimmed" tt="uppercase" fw={600} style={{ letterSpacing: 0.3, fontSize: 10 }}>
            {h}
          </Text>
        ))}
      </div>
    </div>
  )
}

/** A column: name, type as the server writes it, key, and whether it takes NULL. */
export function ColumnRow({ column, testId }: { column: ColumnInfo; testId: string }) {
  return (
    <div className={classes.row} style={{ ...PAD, minHeight: 22 }} role="treeitem" aria-level={3} data-testid={testId}>
      <div className={classes.columns}>
        <Text size="xs" ff="monospace" fw={column.key === 'PRI' ? 700 : 400} truncate>
          {column.name}
        </Text>
        <Text size="xs" ff="monospace" c="dimmed" truncate title={[column.type, column.extra].filter(Boolean).join(' ')}>
          {column.type}
          {column.generated ? ' (generated)' : ''}
        </Text>
        <span>
          {column.key && (
            <Badge size="xs" variant="light" color={KEY_COLORS[column.key] ?? 'gray'} radius="sm">
              {column.key}
            </Badge>
          )}
        </span>
        <Text size="xs" c={column.nullable ? 'dimmed' : undefined}>
          {column.nullable ? 'NULL' : 'NOT NULL'}
        </Text>
      </div>
    </div>
  )
}
