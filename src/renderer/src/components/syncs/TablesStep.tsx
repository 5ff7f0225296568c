import { Fragment, useState } from 'react'
import {
  ActionIcon,
  Alert,
  Badge,
  Checkbox,
  Group,
  Loader,
  ScrollArea,
  SegmentedControl,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Tooltip
} from '@mantine/core'
import type { TableInfo } from '../../../../shared/connections'
import { formatRowEstimate, hasUsableKey, tableSize } from '../../connections/format'
import {
  filterTables,
  matchesGlobs,
  selectAllState,
  tableOfField,
  toMapping,
  withOverride,
  withSelected,
  type TableOverride
} from '../../syncs/wizard-model'
import { TableOverrideFields } from './TableOverrideFields'
import type { StepProps, WizardData } from './wizard-props'

interface Props extends StepProps {
  data: WizardData
  /** Tables whose options are open; the wizard opens the one a server error points at. */
  expanded: string[]
  setExpanded(next: string[]): void
}

const NO_KEY_HELP =
  'No primary key and no unique key on NOT NULL columns: copied in one stream and verified as a whole, not in chunks or row by row.'

/** Step 2: an explicit, searchable list of tables, or all tables matching patterns; options per table. */
export function TablesStep({ state, update, errors, data, expanded, setExpanded }: Props) {
  const [query, setQuery] = useState('')
  const all = (data.tables.data ?? []).filter((t) => t.type === 'table')
  const others = (data.tables.data ?? []).length - all.length
  const visible = filterTables(all, query)
  const listMode = state.selection === 'list'
  const matching = all.filter((t) => matchesGlobs(t.name, state.include, state.exclude))
  const toggleOpen = (name: string): void =>
    setExpanded(expanded.includes(name) ? expanded.filter((n) => n !== name) : [...expanded, name])
  const tableErrors = new Set(Object.keys(errors).map(tableOfField).filter((t): t is string => t !== null))
  const sa = selectAllState(
    visible.map((t) => t.name),
    state.selected
  )

  if (!state.sourceConnectionId || !state.sourceDatabase) {
    return <Alert color="gray">Choose the source connection and database first.</Alert>
  }

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end">
        <SegmentedControl
          value={state.selection}
          onChange={(v) => update({ selection: v as 'list' | 'all' })}
          data={[
            { value: 'list', label: 'Choose tables' },
            { value: 'all', label: 'All tables (patterns)' }
          ]}
          data-testid="tables-mode"
        />
      </Group>

      {!listMode && (
        <Group grow align="flex-start">
          <TagsInput
            label="Include"
            description="Glob patterns (* any run, ? one character), whole names, case-sensitive. Empty: every table."
            placeholder="e.g. orders_*"
            value={state.include}
            onChange={(v) => update({ include: v })}
            data-testid="tables-include"
          />
          <TagsInput
            label="Exclude"
            description="Tables matching these are left out, even if included."
            placeholder="e.g. tmp_*"
            value={state.exclude}
            onChange={(v) => update({ exclude: v })}
            data-testid="tables-exclude"
          />
        </Group>
      )}

      <Group justify="space-between">
        <TextInput
          placeholder="Search tables"
          value={query}
          onChange={(e) => setQuery(e.currentTarget.value)}
          w={280}
          data-testid="tables-search"
        />
        <Text size="sm" c="dimmed" data-testid="tables-count">
          {listMode
            ? `${state.selected.length} of ${all.length} tables selected`
            : `${matching.length} of ${all.length} tables match now; tables created later that match are picked up at each run`}
          {others > 0 ? ` · ${others} views and other objects not listed` : ''}
        </Text>
      </Group>
      {errors.tables && (
        <Text size="sm" c="red" data-testid="tables-error">
          {errors.tables}
        </Text>
      )}
      {errors.allTables && (
        <Text size="sm" c="red" data-testid="tables-error">
          {errors.allTables}
        </Text>
      )}
      {data.tables.status === 'error' && (
        <Alert color="red" title="Could not list the tables">
          {data.tables.error.message} ({data.tables.error.code})
        </Alert>
      )}
      {data.tables.status === 'loading' && <Loader size="sm" data-testid="tables-loading" />}

      {data.tables.status === 'done' && (
        <ScrollArea.Autosize mah={520} type="auto">
          <Table striped highlightOnHover verticalSpacing={4} fz="sm" stickyHeader data-testid="tables-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={40}>
                  {listMode ? (
                    <Checkbox
                      aria-label="Select all visible tables"
                      checked={sa === 'all'}
                      indeterminate={sa === 'some'}
                      disabled={visible.length === 0}
                      onChange={() =>
                        update((s) =>
                          withSelected(
                            s,
                            visible.map((t) => t.name),
                            sa !== 'all'
                          )
                        )
                      }
                      data-testid="tables-select-all"
                    />
                  ) : null}
                </Table.Th>
                <Table.Th>Table</Table.Th>
                <Table.Th ta="right">Rows</Table.Th>
                <Table.Th ta="right">Size</Table.Th>
                <Table.Th>Copied as</Table.Th>
                <Table.Th w={44} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {visible.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={6}>
                    <Text size="sm" c="dimmed" ta="center" py="sm">
                      {all.length === 0 ? 'This database has no tables.' : 'No table matches the search.'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {visible.map((t) => {
                const included = listMode ? state.selected.includes(t.name) : matching.some((m) => m.name === t.name)
                const open = included && expanded.includes(t.name)
                return (
                  <Fragment key={t.name}>
                    <TableRow
                      table={t}
                      listMode={listMode}
                      included={included}
                      open={open}
                      hasError={tableErrors.has(t.name)}
                      override={state.overrides[t.name]}
                      onToggleSelected={(on) => update((s) => withSelected(s, [t.name], on))}
                      onToggleOpen={() => toggleOpen(t.name)}
                    />
                    {open && (
                      <Table.Tr>
                        <Table.Td colSpan={6} bg="var(--mantine-color-gray-0)">
                          <TableOverrideFields
                            connectionId={state.sourceConnectionId!}
                            database={state.sourceDatabase!}
                            table={t.name}
                            value={state.overrides[t.name]}
                            onChange={(patch) => update((s) => withOverride(s, t.name, patch))}
                            errors={errors}
                          />
                        </Table.Td>
                      </Table.Tr>
                    )}
                  </Fragment>
                )
              })}
            </Table.Tbody>
          </Table>
        </ScrollArea.Autosize>
      )}
    </Stack>
  )
}

interface RowProps {
  table: TableInfo
  listMode: boolean
  included: boolean
  open: boolean
  hasError: boolean
  override: TableOverride | undefined
  onToggleSelected(on: boolean): void
  onToggleOpen(): void
}

function TableRow({ table: t, listMode, included, open, hasError, override, onToggleSelected, onToggleOpen }: RowProps) {
  const m = toMapping(t.name, override)
  return (
    <Table.Tr data-testid={`table-row-${t.name}`} data-included={included} opacity={!listMode && !included ? 0.5 : 1}>
      <Table.Td>
        {listMode ? (
          <Checkbox
            aria-label={`Copy ${t.name}`}
            checked={included}
            onChange={(e) => onToggleSelected(e.currentTarget.checked)}
            data-testid={`table-select-${t.name}`}
          />
        ) : (
          <Text size="sm" c={included ? 'green' : 'dimmed'} aria-label={included ? 'matches' : 'does not match'}>
            {included ? '✓' : '–'}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          <Text size="sm" ff="monospace">
            {t.name}
          </Text>
          {!hasUsableKey(t) && (
            <Tooltip label={NO_KEY_HELP} multiline w={320} withArrow>
              <Badge size="xs" variant="light" color="orange" data-testid={`table-nokey-${t.name}`}>
                no key
              </Badge>
            </Tooltip>
          )}
        </Group>
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm" c="dimmed" ff="monospace">
          {formatRowEstimate(t.rowsEstimate) || '—'}
        </Text>
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm" c="dimmed" ff="monospace">
          {tableSize(t) || '—'}
        </Text>
      </Table.Td>
      <Table.Td>
        {included ? (
          <Group gap={4} wrap="nowrap">
            <Text size="sm" ff="monospace" data-testid={`table-copied-as-${t.name}`}>
              {m.target ?? t.name}
            </Text>
            {m.where && (
              <Tooltip label={`WHERE (${m.where})`} withArrow>
                <Badge size="xs" variant="light" color="grape">
                  filter
                </Badge>
              </Tooltip>
            )}
            {m.excludeColumns && (
              <Badge size="xs" variant="light" color="gray">
                −{m.excludeColumns.length} col{m.excludeColumns.length === 1 ? '' : 's'}
              </Badge>
            )}
            {hasError && (
              <Badge size="xs" color="red">
                error
              </Badge>
            )}
          </Group>
        ) : (
          <Text size="sm" c="dimmed">
            —
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {included && (
          <Tooltip label={open ? 'Hide table options' : 'Target name, row filter, columns'} withArrow>
            <ActionIcon
              variant={open ? 'light' : 'subtle'}
              color={hasError ? 'red' : undefined}
              onClick={onToggleOpen}
              aria-label={`Options of ${t.name}`}
              aria-expanded={open}
              data-testid={`table-expand-${t.name}`}
            >
              <span style={{ display: 'inline-block', transform: open ? 'rotate(90deg)' : 'none', transition: 'transform 120ms' }}>›</span>
            </ActionIcon>
          </Tooltip>
        )}
      </Table.Td>
    </Table.Tr>
  )
}
