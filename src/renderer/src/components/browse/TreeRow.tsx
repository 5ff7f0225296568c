import type { ReactNode } from 'react'
import { Group, Loader, UnstyledButton } from '@mantine/core'
import classes from './tree.module.css'

interface Props {
  level: number
  label: ReactNode
  meta?: ReactNode
  expanded?: boolean
  /** Leaves have no toggle. */
  onToggle?: () => void
  loading?: boolean
  testId: string
}

const INDENT = 18

/** One line of the browse tree: indent, chevron, label, and right-aligned facts. */
export function TreeRow({ level, label, meta, expanded, onToggle, loading, testId }: Props) {
  const content = (
    <Group gap={6} wrap="nowrap" justify="space-between" w="100%">
      <Group gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
        <span className={classes.chevron} data-expanded={expanded || undefined} aria-hidden>
          {loading ? <Loader size={10} /> : onToggle ? <Chevron /> : null}
        </span>
        {label}
      </Group>
      {meta && (
        <Group gap="md" wrap="nowrap" style={{ flex: 'none' }}>
          {meta}
        </Group>
      )}
    </Group>
  )
  const style = { paddingLeft: 6 + (level - 1) * INDENT }
  return onToggle ? (
    <UnstyledButton
      className={classes.row}
      style={style}
      onClick={onToggle}
      role="treeitem"
      aria-level={level}
      aria-expanded={expanded}
      data-testid={testId}
    >
      {content}
    </UnstyledButton>
  ) : (
    <div className={classes.row} style={style} role="treeitem" aria-level={level} data-testid={testId}>
      {content}
    </div>
  )
}

function Chevron() {
  return (
    <svg width="10" height="10" viewBox="0 0 10 10">
      <path d="M3 1.5 L7 5 L3 8.5" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  )
}
