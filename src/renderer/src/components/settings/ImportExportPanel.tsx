import { useEffect, useState } from 'react'
import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  FileButton,
  Group,
  List,
  PasswordInput,
  Radio,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  Title
} from '@mantine/core'
import type { ConflictPolicy, DocumentFormat, ImportChange, ImportReport } from '../../../../shared/config-document'
import type { ErrorBody } from '../../../../shared/errors'
import { toErrorBody } from '../../api/client'
import { api } from '../../api/runtime'
import { ACTION_COLOR, downloadText, exportFileName, hasSealedSecrets, isConflict, summaryLine } from '../../mappings/document-file'
import { useConnections } from '../../stores/connections'
import { useSyncs } from '../../stores/syncs'
import { ErrorAlert } from '../ErrorAlert'

/**
 * Settings > Import and export: the whole setup as one document (docs/config-document.md) through
 * the same API methods as `db-taxi export` and `db-taxi import` / `apply`. An import always shows its
 * preview (a dry run of the very transaction it will run) before anything is written.
 */
export function ImportExportPanel() {
  return (
    <Stack gap="lg" data-testid="import-export">
      <ExportCard />
      <ImportCard />
    </Stack>
  )
}

type SecretsMode = 'env' | 'omit' | 'seal'

function ExportCard() {
  const [format, setFormat] = useState<DocumentFormat>('yaml')
  const [secrets, setSecrets] = useState<SecretsMode>('env')
  const [passphrase, setPassphrase] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ErrorBody | null>(null)
  const [references, setReferences] = useState<string[] | null>(null)
  // Over HTTP (db-taxi serve) a sealed export is the server owner's choice (server.allow_sealed_export):
  // say so before a passphrase is typed, not after.
  const [sealRefused, setSealRefused] = useState(false)
  useEffect(() => {
    let live = true
    void Promise.all([api().call('system.status', {}), api().call('settings.get', {})])
      .then(([status, settings]) => {
        const allowed = settings.settings.find((e) => e.key === 'server.allow_sealed_export')?.value === true
        if (live) setSealRefused(status.mode === 'headless' && !allowed)
      })
      .catch(() => undefined)
    return () => {
      live = false
    }
  }, [])

  const exportAll = async (): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      const e = await api().call('mappings.export', { format, secrets, ...(secrets === 'seal' ? { passphrase } : {}) })
      downloadText(exportFileName(format), e.document, format)
      setReferences([...new Set(e.references.map((r) => r.reference))].filter((r) => r !== '${sealed}'))
    } catch (err) {
      setError(toErrorBody(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Card withBorder padding="lg" data-testid="export-card">
      <Stack gap="sm">
        <Title order={3}>Export</Title>
        <Text size="sm" c="dimmed">
          Every connection and sync (table mappings, options, schedules) as one document, to keep in version control or move to another machine. To export one sync, use
          Export on its row of the Syncs page.
        </Text>
        <Group gap="xl" align="flex-end" wrap="wrap">
          <Stack gap={4}>
            <Text size="sm" fw={500} id="export-format-label">
              Format
            </Text>
            <SegmentedControl
              aria-labelledby="export-format-label"
              value={format}
              onChange={(v) => setFormat(v as DocumentFormat)}
              data={[
                { value: 'yaml', label: 'YAML' },
                { value: 'json', label: 'JSON' }
              ]}
              data-testid="export-format"
            />
          </Stack>
          <Radio.Group label="Passwords and keys" value={secrets} onChange={(v) => setSecrets(v as SecretsMode)} data-testid="export-secrets">
            <Group gap="md" mt={6}>
              <Radio value="env" label="As variable names" data-testid="export-secrets-env" />
              <Radio value="omit" label="Leave out" data-testid="export-secrets-omit" />
              <Radio value="seal" label="Seal with a passphrase" disabled={sealRefused} data-testid="export-secrets-seal" />
            </Group>
          </Radio.Group>
        </Group>
        {sealRefused && (
          <Text size="xs" c="dimmed" data-testid="export-seal-refused">
            Sealing is off for this server: whoever holds its API token could read every saved password that way. Run <Code>db-taxi export --seal</Code> on the server's
            machine, or start it with <Code>DBT_SERVER_ALLOW_SEALED_EXPORT=true</Code>.
          </Text>
        )}
        <Text size="xs" c="dimmed">
          {secrets === 'env'
            ? 'Each secret is written as a variable such as ${DBT_PW_PROD}; set it where the document is imported.'
            : secrets === 'omit'
              ? 'No secrets are written; importing keeps the ones the other store already has.'
              : 'The secrets travel in the document, sealed (scrypt + AES-256-GCM); the passphrase opens them on import. It is never stored.'}
        </Text>
        {secrets === 'seal' && (
          <PasswordInput
            label="Passphrase"
            description="At least 12 characters. Without it the sealed secrets cannot be opened: keep it apart from the file."
            value={passphrase}
            onChange={(e) => setPassphrase(e.currentTarget.value)}
            maw={420}
            autoComplete="new-password"
            data-testid="export-passphrase"
          />
        )}
        {error && <ErrorAlert testId="export-error" title="Could not export" error={error} />}
        {references && references.length > 0 && (
          <Alert color="blue" title="Set these where you import the file" data-testid="export-references">
            <List size="sm">
              {references.map((r) => (
                <List.Item key={r}>
                  <Code>{r}</Code>
                </List.Item>
              ))}
            </List>
          </Alert>
        )}
        <Group>
          <Button onClick={() => void exportAll()} loading={busy} disabled={secrets === 'seal' && passphrase.length < 12} data-testid="export-download">
            Download {format === 'json' ? 'JSON' : 'YAML'}
          </Button>
        </Group>
      </Stack>
    </Card>
  )
}

type Mode = 'import' | 'apply'

interface Draft {
  name: string
  text: string
}

function ImportCard() {
  const [draft, setDraft] = useState<Draft | null>(null)
  const [pasting, setPasting] = useState(false)
  const [mode, setMode] = useState<Mode>('import')
  const [onConflict, setOnConflict] = useState<ConflictPolicy>('skip')
  const [perName, setPerName] = useState<Record<string, ConflictPolicy>>({})
  const [prune, setPrune] = useState(false)
  const [passphrase, setPassphrase] = useState('')
  const [values, setValues] = useState<Record<string, string>>({})
  const [preview, setPreview] = useState<ImportReport | null>(null)
  const [done, setDone] = useState<ImportReport | null>(null)
  const [busy, setBusy] = useState<'preview' | 'apply' | null>(null)
  const [error, setError] = useState<ErrorBody | null>(null)

  const reset = (d: Draft | null): void => {
    setDraft(d)
    setPreview(null)
    setDone(null)
    setError(null)
    setPerName({})
    setValues({})
    setOutdated(false)
  }

  const input = (dryRun: boolean) => {
    const conflicts = {
      connections: Object.fromEntries(Object.entries(perName).filter(([k]) => k.startsWith('connection:')).map(([k, v]) => [k.slice(11), v])),
      syncs: Object.fromEntries(Object.entries(perName).filter(([k]) => k.startsWith('sync:')).map(([k, v]) => [k.slice(5), v]))
    }
    const common = {
      document: draft!.text,
      ...(passphrase ? { passphrase } : {}),
      ...(Object.keys(values).length ? { references: values } : {}),
      ...(dryRun ? { dryRun: true } : {})
    }
    return { common, conflicts }
  }

  const call = async (dryRun: boolean): Promise<ImportReport> => {
    const { common, conflicts } = input(dryRun)
    return mode === 'apply' ? api().call('mappings.apply', { ...common, ...(prune ? { prune: true } : {}) }) : api().call('mappings.import', { ...common, onConflict, conflicts })
  }

  const runPreview = async (): Promise<void> => {
    setBusy('preview')
    setError(null)
    setDone(null)
    try {
      setPreview(await call(true))
      setOutdated(false)
    } catch (err) {
      setPreview(null)
      setError(toErrorBody(err))
    } finally {
      setBusy(null)
    }
  }

  const apply = async (): Promise<void> => {
    setBusy('apply')
    setError(null)
    try {
      const r = await call(false)
      if (r.ok) {
        setDone(r)
        setPreview(null)
        void useConnections.getState().load()
        void useSyncs.getState().load()
      } else setPreview(r)
    } catch (err) {
      setError(toErrorBody(err))
    } finally {
      setBusy(null)
    }
  }

  const sealed = draft ? hasSealedSecrets(draft.text) : false
  /** A prune that deletes says so on its button, and the deletions come first in the list. */
  const deletes = preview?.ok ? preview.summary.delete : 0
  // A changed choice makes the preview outdated: Import waits for a new one. A per-item policy is
  // chosen in the preview itself, so that one is previewed again at once.
  const [outdated, setOutdated] = useState(false)
  const stale = (): void => setOutdated(true)
  const [policyChanged, setPolicyChanged] = useState(0)
  useEffect(() => {
    if (policyChanged > 0) void runPreview()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [policyChanged])

  return (
    <Card withBorder padding="lg" data-testid="import-card">
      <Stack gap="sm">
        <Title order={3}>Import</Title>
        <Text size="sm" c="dimmed">
          Read a document exported by DB-Taxi (or written by hand). You see what would be created, updated or skipped before anything changes, and it is all or nothing.
        </Text>
        <Group>
          <FileButton
            onChange={(file) => {
              if (!file) return
              void file.text().then((text) => reset({ name: file.name, text }))
            }}
            accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml,text/plain"
          >
            {(props) => (
              <Button variant="default" {...props} data-testid="import-choose-file">
                Choose a file…
              </Button>
            )}
          </FileButton>
          <Button variant="subtle" onClick={() => setPasting((p) => !p)} data-testid="import-paste-toggle">
            {pasting ? 'Hide the text box' : 'Paste the text instead'}
          </Button>
          {draft && (
            <Text size="sm" data-testid="import-file-name">
              {draft.name} ({draft.text.length.toLocaleString()} characters)
            </Text>
          )}
        </Group>
        {pasting && (
          <Textarea
            label="Document"
            autosize
            minRows={6}
            maxRows={18}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
            value={draft?.name === 'pasted text' ? draft.text : ''}
            onChange={(e) => reset(e.currentTarget.value ? { name: 'pasted text', text: e.currentTarget.value } : null)}
            data-testid="import-text"
          />
        )}

        {draft && (
          <>
            <Radio.Group
              label="How"
              value={mode}
              onChange={(v) => {
                setMode(v as Mode)
                stale()
              }}
              data-testid="import-mode"
            >
              <Group gap="md" mt={6}>
                <Radio value="import" label="Add to what is here" data-testid="import-mode-import" />
                <Radio value="apply" label="Make this store match the file" data-testid="import-mode-apply" />
              </Group>
            </Radio.Group>
            {mode === 'import' ? (
              <Select
                label="When a name exists already"
                description="Per item, the preview lets you choose otherwise."
                maw={420}
                value={onConflict}
                allowDeselect={false}
                onChange={(v) => {
                  setOnConflict((v ?? 'skip') as ConflictPolicy)
                  stale()
                }}
                data={[
                  { value: 'skip', label: 'Keep the existing one (skip)' },
                  { value: 'overwrite', label: "Overwrite it with the file's settings" },
                  { value: 'rename', label: 'Import under a new name, such as "name (2)"' }
                ]}
                data-testid="import-on-conflict"
              />
            ) : (
              <Checkbox
                label="Also delete the connections and syncs the file does not name"
                checked={prune}
                onChange={(e) => {
                  setPrune(e.currentTarget.checked)
                  stale()
                }}
                data-testid="import-prune"
              />
            )}
            {sealed && (
              <PasswordInput
                label="Passphrase of the sealed secrets"
                maw={420}
                value={passphrase}
                onChange={(e) => {
                  setPassphrase(e.currentTarget.value)
                  stale()
                }}
                autoComplete="off"
                data-testid="import-passphrase"
              />
            )}
            {preview && preview.references.length > 0 && (
              <Stack gap={6} data-testid="import-references">
                <Text size="sm" fw={500}>
                  Secrets the file names
                </Text>
                <Text size="xs" c="dimmed">
                  The file refers to these instead of holding the values. Enter each one here; the server does not read its own environment for an import.
                </Text>
                {preview.references.map((ref) => (
                  <PasswordInput
                    key={ref}
                    label={ref.startsWith('file:') ? `Contents of ${ref.slice(5)}` : ref}
                    maw={420}
                    value={values[ref] ?? ''}
                    onChange={(e) => {
                      const v = e.currentTarget.value
                      setValues((old) => ({ ...old, [ref]: v }))
                      stale()
                    }}
                    autoComplete="off"
                    data-testid={`import-reference-${ref}`}
                  />
                ))}
              </Stack>
            )}
            {error && <ErrorAlert testId="import-error" title="Could not read the document" error={error} />}
            <Group>
              <Button variant="default" onClick={() => void runPreview()} loading={busy === 'preview'} data-testid="import-preview">
                {preview ? 'Preview again' : 'Preview'}
              </Button>
              <Button
                onClick={() => void apply()}
                disabled={!preview?.ok || outdated}
                loading={busy === 'apply'}
                color={deletes > 0 ? 'red' : undefined}
                data-testid="import-apply"
              >
                {deletes > 0 ? `Apply and delete ${deletes}` : mode === 'apply' ? 'Apply' : 'Import'}
              </Button>
              {preview && (
                <Button variant="subtle" onClick={() => reset(null)} data-testid="import-cancel">
                  Cancel
                </Button>
              )}
            </Group>
            {preview && outdated && (
              <Text size="xs" c="orange" data-testid="import-outdated">
                A choice changed since this preview: preview again before importing.
              </Text>
            )}
            {preview && (
              <ImportPreview
                report={preview}
                mode={mode}
                perName={perName}
                onPolicy={(key, p) => {
                  setPerName((old) => ({ ...old, [key]: p }))
                  setPolicyChanged((n) => n + 1)
                }}
              />
            )}
          </>
        )}
        {done && (
          <Alert color="green" title={mode === 'apply' ? 'Applied' : 'Imported'} data-testid="import-done">
            {summaryLine(done, true)}
          </Alert>
        )}
      </Stack>
    </Card>
  )
}

const ORDER: ImportChange['action'][] = ['delete', 'create', 'update', 'skip', 'unchanged']

function ImportPreview({ report, mode, perName, onPolicy }: { report: ImportReport; mode: Mode; perName: Record<string, ConflictPolicy>; onPolicy(key: string, p: ConflictPolicy): void }) {
  if (!report.ok) {
    return (
      <Alert color="red" title={`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}: nothing will be changed`} data-testid="import-problems">
        <List size="sm" spacing={4}>
          {report.problems.map((p, i) => (
            <List.Item key={i}>
              {p.line !== undefined && <Code>line {p.line}</Code>} {p.path !== '(document)' && <Code>{p.path}</Code>} {p.message}
              {p.code !== 'VALIDATION' && (
                <>
                  {' '}
                  <Code>{p.code}</Code>
                </>
              )}
            </List.Item>
          ))}
        </List>
      </Alert>
    )
  }
  return (
    <Stack gap="xs" data-testid="import-preview-report">
      <Text size="sm" fw={500} data-testid="import-summary">
        {summaryLine(report, false)}
      </Text>
      <Table.ScrollContainer minWidth={640}>
        <Table striped verticalSpacing={6} fz="sm" data-testid="import-changes">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>What</Table.Th>
              <Table.Th>Name</Table.Th>
              <Table.Th>Change</Table.Th>
              {mode === 'import' && <Table.Th>If it exists</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {[...report.changes].sort((a, b) => ORDER.indexOf(a.action) - ORDER.indexOf(b.action)).map((c) => (
              <ChangeRow key={`${c.kind}:${c.name}`} change={c} mode={mode} policy={perName[`${c.kind}:${c.name}`]} onPolicy={(p) => onPolicy(`${c.kind}:${c.name}`, p)} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  )
}

function ChangeRow({ change: c, mode, policy, onPolicy }: { change: ImportChange; mode: Mode; policy?: ConflictPolicy; onPolicy(p: ConflictPolicy): void }) {
  return (
    <Table.Tr data-testid={`import-change-${c.kind}-${c.name}`}>
      <Table.Td>{c.kind}</Table.Td>
      <Table.Td>
        <Text size="sm" fw={500} span>
          {c.name}
        </Text>
        {c.as && (
          <Text size="sm" c="dimmed" span>
            {' '}
            as “{c.as}”
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Stack gap={2}>
          <Group gap={6} wrap="nowrap">
            <Badge color={ACTION_COLOR[c.action]} variant="light" style={{ flexShrink: 0 }}>
              {c.action}
            </Badge>
            <Text size="xs" c="dimmed">
              {c.reason ?? ''}
            </Text>
          </Group>
          {c.diff?.map((d) => (
            <Text key={d.field} size="xs" ff="monospace" style={{ wordBreak: 'break-word' }} data-testid={`import-diff-${c.kind}-${c.name}-${d.field}`}>
              <Text span fw={600} inherit>
                {d.field}
              </Text>
              : <Text span c="red.8" inherit td="line-through">{d.from}</Text> → <Text span c="green.8" inherit>{d.to}</Text>
            </Text>
          ))}
        </Stack>
      </Table.Td>
      {mode === 'import' && (
        <Table.Td>
          {isConflict(c) && (
            <Select
              aria-label={`If ${c.kind} ${c.name} exists`}
              size="xs"
              w={150}
              placeholder="as chosen above"
              value={policy ?? null}
              onChange={(v) => v && onPolicy(v as ConflictPolicy)}
              data={[
                { value: 'skip', label: 'skip' },
                { value: 'overwrite', label: 'overwrite' },
                { value: 'rename', label: 'rename' }
              ]}
              data-testid={`import-policy-${c.kind}-${c.name}`}
            />
          )}
        </Table.Td>
      )}
    </Table.Tr>
  )
}
