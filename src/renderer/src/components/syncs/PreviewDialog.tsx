import { useState } from 'react'
import { Alert, Badge, Button, Checkbox, Code, Group, Modal, Stack, Table, Tabs, Text } from '@mantine/core'
import type { PreviewRow, SyncConfig, SyncPreview, SyncPreviewTable } from '../../../../shared/syncs'
import { formatCount } from '../../format/numbers'

interface Props {
  sync: SyncConfig
  preview: SyncPreview
  starting: boolean
  onApply(opts: { allowDeletes: boolean }): void
  onClose(): void
}

/** A diff or incremental table's guard note, when its deletes would stop the run. */
const guarded = (t: SyncPreviewTable): boolean => t.notes.some((n) => n.startsWith('the delete guard would stop'))

/**
 * What a run would change, before it changes anything (Navicat and dbForge show this; the CLIs do
 * not): per table the inserts, updates and deletes, a few sample rows of each with the columns that
 * change, Apply (applying what is true then) and Cancel.
 */
export function PreviewDialog({ sync, preview, starting, onApply, onClose }: Props) {
  const [allowDeletes, setAllowDeletes] = useState(false)
  const stopped = preview.tables.filter(guarded)
  const nothing = preview.tables.every((t) => t.exact && t.inserts + t.updates + t.deletes === 0)
  return (
    <Modal opened onClose={onClose} size="xl" title={<Text fw={600}>Changes {sync.name} would make</Text>} attributes={{ content: { 'data-testid': 'preview' } }}>
      <Stack gap="sm">
        <Text size="xs" c="dimmed">
          Compared just now ({new Date(preview.takenAt).toLocaleTimeString()}); nothing has been changed. Apply carries what is true when it runs and
          says so if the counts moved.
        </Text>
        <Table withTableBorder fz="sm" verticalSpacing={4} data-testid="preview-tables">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Table</Table.Th>
              <Table.Th>Mode</Table.Th>
              <Table.Th ta="right">Inserts</Table.Th>
              <Table.Th ta="right">Updates</Table.Th>
              <Table.Th ta="right">Deletes</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {preview.tables.map((t) => (
              <Table.Tr key={t.source} data-testid={`preview-row-${t.source}`}>
                <Table.Td ff="monospace">{t.source === t.target ? t.source : `${t.source} → ${t.target}`}</Table.Td>
                <Table.Td>
                  <Badge size="xs" variant="light" color={t.mode === 'diff' ? 'grape' : t.mode === 'incremental' ? 'teal' : 'gray'}>
                    {t.mode}
                  </Badge>
                </Table.Td>
                <Table.Td ta="right" ff="monospace" data-testid={`preview-inserts-${t.source}`}>
                  {t.exact ? formatCount(t.inserts) : `~${formatCount(t.inserts)}`}
                </Table.Td>
                <Table.Td ta="right" ff="monospace" data-testid={`preview-updates-${t.source}`}>
                  {/* Incremental: rows at or past the watermark the target holds, some of which may already be equal. */}
                  {t.exact ? formatCount(t.updates) : `~${formatCount(t.updates)}`}
                </Table.Td>
                <Table.Td ta="right" ff="monospace" c={t.deletes > 0 ? 'red' : undefined} data-testid={`preview-deletes-${t.source}`}>
                  {formatCount(t.deletes)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {preview.tables.map((t) => (
          <TableSamples key={t.source} table={t} />
        ))}
        {nothing && (
          <Text size="sm" data-testid="preview-nothing">
            Source and target are already equal: a run would write nothing.
          </Text>
        )}
        {stopped.length > 0 && (
          <Alert color="red" p="xs" title="The delete guard would stop this run" data-testid="preview-guard">
            <Stack gap={4}>
              {stopped.map((t) => (
                <Text size="sm" key={t.source}>
                  <Code>{t.source}</Code> {t.notes.find((n) => n.startsWith('the delete guard'))}
                </Text>
              ))}
              <Checkbox
                label="Allow these deletes for this run"
                checked={allowDeletes}
                onChange={(e) => setAllowDeletes(e.currentTarget.checked)}
                data-testid="preview-allow-deletes"
              />
            </Stack>
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose} disabled={starting} data-testid="preview-cancel">
            Cancel
          </Button>
          <Button onClick={() => onApply({ allowDeletes })} loading={starting} disabled={stopped.length > 0 && !allowDeletes} data-testid="preview-apply">
            Apply
          </Button>
        </Group>
      </Stack>
    </Modal>
  )
}

function TableSamples({ table }: { table: SyncPreviewTable }) {
  const { samples } = table
  const kinds = (['updates', 'inserts', 'deletes'] as const).filter((k) => samples[k].length > 0)
  if (kinds.length === 0) {
    return table.notes.length ? (
      <Text size="xs" c="dimmed" data-testid={`preview-notes-${table.source}`}>
        <Code>{table.source}</Code> {table.notes.join('; ')}
      </Text>
    ) : null
  }
  return (
    <Stack gap={4} data-testid={`preview-samples-${table.source}`}>
      <Text size="sm" fw={500}>
        {table.source}: sample rows
      </Text>
      <Tabs defaultValue={kinds[0]} variant="outline">
        <Tabs.List>
          {kinds.map((k) => (
            <Tabs.Tab key={k} value={k} data-testid={`preview-tab-${table.source}-${k}`}>
              {k} ({samples[k].length}
              {samples[k].length === 20 ? '+' : ''})
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {kinds.map((k) => (
          <Tabs.Panel key={k} value={k} pt={4}>
            <Table fz="xs" verticalSpacing={2} data-testid={`preview-sample-${table.source}-${k}`}>
              <Table.Tbody>
                {samples[k].map((r, i) => (
                  <Table.Tr key={i}>
                    <Table.Td ff="monospace" w={160}>
                      {keyText(r)}
                    </Table.Td>
                    <Table.Td ff="monospace">{k === 'updates' ? changesText(r) : valuesText(r)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  )
}

const shown = (v: string | null): string => (v === null ? 'NULL' : v.length > 40 ? `${v.slice(0, 40)}…` : v)
const keyText = (r: PreviewRow): string => Object.entries(r.key).map(([k, v]) => `${k}=${v}`).join(', ')
const changesText = (r: PreviewRow): string => (r.changes ?? []).map((c) => `${c.column}: ${shown(c.old)} → ${shown(c.new)}`).join('; ')
const valuesText = (r: PreviewRow): string =>
  Object.entries(r.values ?? {})
    .map(([k, v]) => `${k}=${shown(v)}`)
    .join(', ')
