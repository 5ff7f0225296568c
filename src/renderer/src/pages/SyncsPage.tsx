import { lazy, Suspense, useEffect, useState } from 'react'
import { Alert, Button, Code, EmptyState, Group, Loader, Stack, Text, Title } from '@mantine/core'
import type { SyncConfig, SyncPreview } from '../../../shared/syncs'
import type { MappingProblem, MappingValidationReport } from '../../../shared/config-document'
import type { ErrorBody } from '../../../shared/errors'
import { downloadText, exportFileName } from '../mappings/document-file'
import { toErrorBody } from '../api/client'
import { api, transport } from '../api/runtime'
import { ErrorAlert } from '../components/ErrorAlert'
import { DeleteSyncModal } from '../components/syncs/DeleteSyncModal'
import { RunDialogs, type RunDialog } from '../components/syncs/RunDialogs'
import { PreviewDialog } from '../components/syncs/PreviewDialog'
import { SyncsTable } from '../components/syncs/SyncsTable'
import { useInterval } from '../hooks/useInterval'
import { editSyncHash, hashFor, jobHash, newSyncHash, syncsView } from '../routing/routes'
import { useConnections } from '../stores/connections'
import { useConnectivity } from '../stores/connectivity'
import { useRoute } from '../stores/route'
import { useSyncs } from '../stores/syncs'
import { needsConfirmation, scheduleWithEnabled } from '../syncs/summary'

// The wizard carries the row-filter parser (node-sql-parser, ~380 KB): loaded when a sync is
// created or edited, not with every page of the app.
const SyncWizard = lazy(() => import('../components/syncs/SyncWizard').then((m) => ({ default: m.SyncWizard })))

/** Schedules move on and jobs end without this page doing anything; a slow poll keeps it current. */
const POLL_MS = 10_000

export function SyncsPage() {
  const rest = useRoute((s) => s.rest)
  const view = syncsView(rest)
  if (view.kind === 'new') return <WizardRoute id={null} />
  if (view.kind === 'edit') return <WizardRoute id={view.id} />
  return <SyncsList />
}

/** `#/syncs/new` and `#/syncs/<id>/edit`. */
function WizardRoute({ id }: { id: string | null }) {
  const go = useRoute((s) => s.go)
  const [editing, setEditing] = useState<SyncConfig | null | 'loading'>(id ? 'loading' : null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    if (!id) return
    api()
      .call('syncs.get', { id })
      .then(setEditing)
      .catch((err: unknown) => setError(toErrorBody(err).message))
  }, [id])
  if (error) {
    return (
      <Stack>
        <Title order={1}>Edit sync</Title>
        <Alert color="red" title="Could not open this sync">
          {error}
        </Alert>
        <Button variant="default" w="fit-content" onClick={() => go(hashFor('syncs'))}>
          Back to syncs
        </Button>
      </Stack>
    )
  }
  if (editing === 'loading') return <Loader />
  return (
    <Suspense fallback={<Loader />}>
      <SyncWizard
      key={id ?? 'new'}
      editing={editing}
      onCancel={() => {
        void useSyncs.getState().load()
        go(hashFor('syncs'))
      }}
      onSaved={(s) => {
        useSyncs.getState().upsert(s)
        go(hashFor('syncs'))
      }}
      />
    </Suspense>
  )
}

function SyncsList() {
  const items = useSyncs((s) => s.items)
  const lastJobs = useSyncs((s) => s.lastJobs)
  const loadError = useSyncs((s) => s.loadError)
  const load = useSyncs((s) => s.load)
  const connections = useConnections((s) => s.items)
  const up = useConnectivity((s) => s.up)
  const go = useRoute((s) => s.go)
  const [preparing, setPreparing] = useState<string | null>(null)
  const [starting, setStarting] = useState(false)
  const [dialog, setDialog] = useState<RunDialog | null>(null)
  const [deleting, setDeleting] = useState<SyncConfig | null>(null)
  const [previewing, setPreviewing] = useState<{ sync: SyncConfig; preview: SyncPreview } | null>(null)
  const [check, setCheck] = useState<MappingValidationReport | null>(null)
  const [checking, setChecking] = useState(false)
  const [actionError, setActionError] = useState<{ title: string; error: ErrorBody } | null>(null)

  /** Every sync against the live schemas in one pass (mappings.validate). */
  const checkMappings = async (): Promise<void> => {
    setChecking(true)
    setActionError(null)
    try {
      setCheck(await api().call('mappings.validate', {}))
    } catch (err) {
      setActionError({ title: 'Could not check the mappings', error: toErrorBody(err) })
    } finally {
      setChecking(false)
    }
  }

  const [savingSchedule, setSavingSchedule] = useState<string | null>(null)
  /** Pause or resume one sync's schedule in place; the rest of the sync stays as it is. */
  const setScheduleEnabled = async (sync: SyncConfig, enabled: boolean): Promise<void> => {
    if (!sync.schedule) return
    setSavingSchedule(sync.id)
    setActionError(null)
    try {
      useSyncs.getState().upsert(await api().call('syncs.update', { id: sync.id, schedule: scheduleWithEnabled(sync.schedule, enabled) }))
    } catch (err) {
      setActionError({ title: `Could not ${enabled ? 'resume' : 'pause'} the schedule of ${sync.name}`, error: toErrorBody(err) })
    } finally {
      setSavingSchedule(null)
    }
  }

  /** One sync and the connections it uses, as a document (secrets as variable names). */
  const exportSync = async (sync: SyncConfig): Promise<void> => {
    setActionError(null)
    try {
      const e = await api().call('mappings.export', { syncs: [sync.name] })
      downloadText(exportFileName(e.format, sync.name), e.document, e.format)
    } catch (err) {
      setActionError({ title: `Could not export ${sync.name}`, error: toErrorBody(err) })
    }
  }

  const problemsBySync: Record<string, MappingProblem[]> | null = check
    ? Object.fromEntries(
        check.syncs.map((x) => [x.syncId, [...x.problems, ...check.problems.filter((p) => p.syncs.includes(x.name)).map(({ syncs: _s, ...p }) => p)]])
      )
    : null

  useEffect(() => {
    void load()
    void useConnections.getState().load()
  }, [load])
  useInterval(() => void load(), POLL_MS)
  useEffect(
    () =>
      transport().on('job.status', (ev) => {
        if (ev.syncId) void useSyncs.getState().refreshLastJob(ev.syncId)
      }),
    []
  )

  const start = async (sync: SyncConfig, opts: { allowDeletes?: boolean; preview?: SyncPreview } = {}): Promise<void> => {
    setStarting(true)
    try {
      const previewed = opts.preview
        ? Object.fromEntries(opts.preview.tables.filter((t) => t.mode !== 'full' && t.exact).map((t) => [t.source, { inserts: t.inserts, updates: t.updates, deletes: t.deletes }]))
        : undefined
      const { jobId } = await api().call('syncs.run', { id: sync.id, ...(opts.allowDeletes ? { allowDeletes: true } : {}), ...(previewed ? { previewed } : {}) })
      setDialog(null)
      setPreviewing(null)
      void useSyncs.getState().refreshLastJob(sync.id)
      go(jobHash(jobId))
    } catch (err) {
      const body = toErrorBody(err)
      if (body.code === 'JOB_ALREADY_ACTIVE') {
        const d = body.details as { jobId?: unknown } | undefined
        setDialog({ kind: 'active', sync, jobId: typeof d?.jobId === 'string' ? d.jobId : null, message: body.message })
      } else {
        setDialog({ kind: 'error', sync, error: body, stage: 'run' })
      }
    } finally {
      setStarting(false)
    }
  }

  /** What the run would change, table by table, before Apply. */
  const preview = async (sync: SyncConfig): Promise<void> => {
    setPreparing(sync.id)
    try {
      setPreviewing({ sync, preview: await api().call('syncs.preview', { id: sync.id }) })
    } catch (err) {
      setDialog({ kind: 'error', sync, error: toErrorBody(err), stage: 'plan' })
    } finally {
      setPreparing(null)
    }
  }

  /**
   * Plan first: a run that overwrites existing tables asks before it starts; one that carries
   * changes into a live table (diff tables, and incremental tables past their first copy) shows the
   * preview with Apply and Cancel, as Navicat's and dbForge's sync screens do. Scheduled runs do not ask.
   */
  const run = async (sync: SyncConfig): Promise<void> => {
    setPreparing(sync.id)
    try {
      const plan = await api().call('syncs.plan', { id: sync.id })
      if (plan.problems.length === 0 && plan.tables.some((t) => t.action === 'diff' || t.action === 'upsert')) {
        setPreviewing({ sync, preview: await api().call('syncs.preview', { id: sync.id }) })
      } else if (needsConfirmation(plan)) setDialog({ kind: 'confirm', sync, plan })
      else await start(sync)
    } catch (err) {
      setDialog({ kind: 'error', sync, error: toErrorBody(err), stage: 'plan' })
    } finally {
      setPreparing(null)
    }
  }

  return (
    <Stack data-testid="syncs" gap="md">
      <Group justify="space-between">
        <div>
          <Title order={1}>Syncs</Title>
          <Text size="sm" c="dimmed">
            What to copy from which source to which target, how, and when. Every run ends with a verification.
          </Text>
        </div>
        <Group gap="xs">
          {items && items.length > 0 && (
            <Button variant="default" onClick={() => void checkMappings()} loading={checking} data-testid="syncs-check">
              Check mappings
            </Button>
          )}
          <Button component="a" href={newSyncHash()} data-testid="sync-new">
            New sync
          </Button>
        </Group>
      </Group>
      {loadError && up && <ErrorAlert testId="syncs-error" title="Could not read the syncs" error={loadError} />}
      {actionError && <ErrorAlert testId="syncs-action-error" title={actionError.title} error={actionError.error} />}
      {check && problemsBySync && <CheckResult check={check} problems={problemsBySync} names={Object.fromEntries((items ?? []).map((x) => [x.id, x.name]))} onClose={() => setCheck(null)} />}

      {items === null ? (
        !loadError && <Loader data-testid="syncs-loading" />
      ) : items.length === 0 ? (
        <EmptyState
          data-testid="syncs-empty"
          title="No syncs yet"
          description={
            connections && connections.length < 1
              ? 'Add the source and target servers on the Connections page, then create a sync here.'
              : 'A sync copies chosen tables from a source database to a target database, verified, on demand or on a schedule.'
          }
        />
      ) : (
        <SyncsTable
          items={items}
          connections={connections}
          lastJobs={lastJobs}
          preparing={preparing}
          onRun={(s) => void run(s)}
          onPreview={(s) => void preview(s)}
          onEdit={(s) => go(editSyncHash(s.id))}
          onDelete={setDeleting}
          onExport={(s) => void exportSync(s)}
          onScheduleEnabled={(s, on) => void setScheduleEnabled(s, on)}
          savingSchedule={savingSchedule}
          problems={problemsBySync}
        />
      )}

      {dialog && (
        <RunDialogs
          dialog={dialog}
          starting={starting}
          onConfirm={() => dialog.kind === 'confirm' && void start(dialog.sync)}
          onClose={() => setDialog(null)}
        />
      )}
      {previewing && (
        <PreviewDialog
          sync={previewing.sync}
          preview={previewing.preview}
          starting={starting}
          onApply={(o) => void start(previewing.sync, { allowDeletes: o.allowDeletes, preview: previewing.preview })}
          onClose={() => setPreviewing(null)}
        />
      )}
      {deleting && (
        <DeleteSyncModal
          sync={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={(id) => {
            useSyncs.getState().remove(id)
            setDeleting(null)
          }}
        />
      )}
    </Stack>
  )
}

/**
 * The result of "Check mappings": how many syncs have a problem (their own, or one they share with
 * another sync), and every problem in full, readable and copyable without hovering.
 */
function CheckResult({ check, problems, names, onClose }: { check: MappingValidationReport; problems: Record<string, MappingProblem[]>; names: Record<string, string>; onClose(): void }) {
  const bad = Object.entries(problems).filter(([, p]) => p.length > 0)
  return (
    <Alert
      color={bad.length === 0 ? 'green' : 'red'}
      title={bad.length === 0 ? 'Every mapping fits the live schemas' : `${bad.length} of ${check.syncs.length} syncs have problems`}
      withCloseButton
      closeButtonLabel="Close the check result"
      onClose={onClose}
      data-testid="syncs-check-result"
    >
      <Stack gap={4}>
        {bad.map(([id, list]) => (
          <div key={id} data-testid={`syncs-check-problems-${names[id] ?? id}`}>
            <Text size="sm" fw={600}>
              {names[id] ?? id}
            </Text>
            {list.map((p, i) => (
              <Text key={i} size="sm">
                {p.table ? <Code>{p.table}</Code> : null} {p.message} <Code>{p.code}</Code>
              </Text>
            ))}
          </div>
        ))}
        <Text size="xs" c="dimmed">
          Checked {new Date(check.checkedAt).toLocaleTimeString()} in {check.durationMs} ms: tables and columns, keys, filters, privileges, two mappings onto one table.
        </Text>
      </Stack>
    </Alert>
  )
}
