import { useCallback, useEffect, useState } from 'react'
import { Alert, Button, Group, Stack, Stepper, Text, Title } from '@mantine/core'
import type { SyncConfig, SyncValidation } from '../../../../shared/syncs'
import { toErrorBody } from '../../api/client'
import { api } from '../../api/runtime'
import { useRemote } from '../../hooks/useRemote'
import { useConnections } from '../../stores/connections'
import {
  allStepErrors,
  emptyWizard,
  firstStepWithError,
  saveErrorsOf,
  stepErrors,
  stepOfField,
  STEPS,
  tableOfField,
  toCreateInput,
  toUpdateInput,
  wizardFromConfig,
  type FieldErrors,
  type StepId,
  type WizardState
} from '../../syncs/wizard-model'
import { EndpointsStep } from './EndpointsStep'
import { OptionsStep } from './OptionsStep'
import { ReviewStep } from './ReviewStep'
import { ScheduleStep } from './ScheduleStep'
import { TablesStep } from './TablesStep'
import type { WizardData } from './wizard-props'

interface Props {
  /** The saved config being edited, or null for a new one. */
  editing: SyncConfig | null
  onCancel(): void
  onSaved(saved: SyncConfig): void
}

const STEP_LABELS: Record<StepId, { label: string; description: string }> = {
  endpoints: { label: 'Source and target', description: 'Connections, databases' },
  tables: { label: 'Tables', description: 'Which, filters, columns' },
  options: { label: 'Options', description: 'Existing tables, verify' },
  schedule: { label: 'Schedule', description: 'Cron or interval' },
  review: { label: 'Review', description: 'Summary, validate' }
}

/** Create or edit a sync config in five steps; saves with syncs.create / syncs.update. */
export function SyncWizard({ editing, onCancel, onSaved }: Props) {
  const [state, setState] = useState<WizardState>(() => (editing ? wizardFromConfig(editing) : emptyWizard()))
  const [active, setActive] = useState(0)
  const [errors, setErrors] = useState<FieldErrors>({})
  const [general, setGeneral] = useState<string[]>([])
  const [expanded, setExpanded] = useState<string[]>([])
  const [busy, setBusy] = useState<'save' | 'validate' | null>(null)
  const [validation, setValidation] = useState<SyncValidation | null>(null)
  /** Set once saved from the wizard (Validate saves first): later saves update it. */
  const [saved, setSaved] = useState<SyncConfig | null>(editing)

  const connections = useConnections((s) => s.items)
  useEffect(() => {
    void useConnections.getState().load()
  }, [])

  const src = state.sourceConnectionId
  const dst = state.targetConnectionId
  const srcDb = state.sourceDatabase
  const data: WizardData = {
    connections,
    sourceDatabases: useRemote(
      src,
      useCallback(() => api().call('connections.databases', { id: src! }), [src])
    ),
    targetDatabases: useRemote(
      dst,
      useCallback(() => api().call('connections.databases', { id: dst! }), [dst])
    ),
    tables: useRemote(
      src && srcDb ? `${src}/${srcDb}` : null,
      useCallback(() => api().call('connections.tables', { id: src!, database: srcDb! }), [src, srcDb])
    )
  }
  const tableNames = data.tables.data?.filter((t) => t.type === 'table').map((t) => t.name) ?? null

  const update = (patch: Partial<WizardState> | ((s: WizardState) => WizardState)): void => {
    setState((s) => (typeof patch === 'function' ? patch(s) : { ...s, ...patch }))
    setValidation(null)
  }
  // An edited field's error is stale: it goes, or, while the field is still wrong, says why now
  // (a filter edited from one refused form to another names the new part). The rest stay until the next check.
  const updateAndClear = (patch: Partial<WizardState> | ((s: WizardState) => WizardState)): void => {
    const before = state
    update(patch)
    setErrors((e) => {
      const after = typeof patch === 'function' ? patch(before) : { ...before, ...patch }
      const stillWrong = allStepErrors(after, tableNames)
      return Object.fromEntries(
        Object.entries(e).flatMap(([k, v]): [string, string][] => {
          if (!changedField(before, after, k)) return [[k, v]]
          const now = stillWrong[k]
          return now === undefined ? [] : [[k, now]]
        })
      )
    })
  }

  const showErrors = (fields: FieldErrors, rest: string[]): void => {
    setErrors(fields)
    setGeneral(rest)
    const first = firstStepWithError(fields)
    if (first) setActive(STEPS.indexOf(first))
    const tables = Object.keys(fields)
      .map(tableOfField)
      .filter((t): t is string => t !== null)
    if (tables.length) setExpanded((e) => [...new Set([...e, ...tables])])
  }

  const next = (): void => {
    const e = stepErrors(state, STEPS[active]!, tableNames)
    if (Object.keys(e).length) {
      setErrors(e)
      return
    }
    setErrors({})
    setActive((a) => Math.min(a + 1, STEPS.length - 1))
  }

  /** Saves (create, or update once saved); answers the saved config or null after showing why not. */
  const persist = async (): Promise<SyncConfig | null> => {
    const local = allStepErrors(state, tableNames)
    if (Object.keys(local).length) {
      showErrors(local, [])
      return null
    }
    const input = toCreateInput(state)
    setGeneral([])
    try {
      const result = saved ? await api().call('syncs.update', toUpdateInput(state, saved.id)) : await api().call('syncs.create', input)
      setSaved(result)
      setErrors({})
      return result
    } catch (err) {
      const { fields, rest } = saveErrorsOf(toErrorBody(err), input)
      showErrors(fields, rest)
      return null
    }
  }

  const save = async (): Promise<void> => {
    setBusy('save')
    const result = await persist()
    setBusy(null)
    if (result) onSaved(result)
  }

  const validate = async (): Promise<void> => {
    setBusy('validate')
    setValidation(null)
    const result = await persist()
    if (result) {
      try {
        setValidation(await api().call('syncs.validate', { id: result.id }))
      } catch (err) {
        const body = toErrorBody(err)
        setGeneral([`${body.message} (${body.code})`])
      }
    }
    setBusy(null)
  }

  const stepsWithErrors = new Set(Object.keys(errors).map(stepOfField))
  const last = active === STEPS.length - 1
  const props = { state, update: updateAndClear, errors, editing: editing !== null }

  return (
    <Stack gap="md" data-testid="sync-wizard">
      <div>
        <Title order={1}>{editing ? `Edit sync · ${editing.name}` : saved ? `New sync · ${saved.name}` : 'New sync'}</Title>
        <Text size="sm" c="dimmed">
          {editing || saved ? 'Changes take effect at the next run.' : 'Nothing is copied until you run it.'}
        </Text>
      </div>
      <Stepper active={active} onStepClick={setActive} allowNextStepsSelect={editing !== null || saved !== null} size="sm">
        {STEPS.map((step) => (
          <Stepper.Step
            key={step}
            label={STEP_LABELS[step].label}
            description={stepsWithErrors.has(step) ? 'Needs attention' : STEP_LABELS[step].description}
            color={stepsWithErrors.has(step) ? 'red' : undefined}
            data-testid={`wizard-step-${step}`}
          >
            <div style={{ minHeight: 360 }}>
              {step === 'endpoints' && <EndpointsStep {...props} data={data} />}
              {step === 'tables' && <TablesStep {...props} data={data} expanded={expanded} setExpanded={setExpanded} />}
              {step === 'options' && <OptionsStep {...props} />}
              {step === 'schedule' && <ScheduleStep {...props} />}
              {step === 'review' && (
                <ReviewStep
                  state={state}
                  connections={connections}
                  validation={validation}
                  validating={busy === 'validate'}
                  onValidate={() => void validate()}
                  saved={saved !== null}
                />
              )}
            </div>
          </Stepper.Step>
        ))}
      </Stepper>

      {general.length > 0 && (
        <Alert color="red" title="Not saved" data-testid="sync-form-error">
          {general.map((m) => (
            <div key={m}>{m}</div>
          ))}
        </Alert>
      )}

      <Group justify="space-between">
        <Button variant="subtle" color="gray" onClick={onCancel} data-testid="wizard-cancel">
          {saved && !editing ? 'Close' : 'Cancel'}
        </Button>
        <Group gap="xs">
          <Button variant="default" onClick={() => setActive((a) => Math.max(0, a - 1))} disabled={active === 0} data-testid="wizard-back">
            Back
          </Button>
          {!last && (
            <Button variant={editing ? 'default' : 'filled'} onClick={next} data-testid="wizard-next">
              Next
            </Button>
          )}
          {(last || editing) && (
            <Button onClick={() => void save()} loading={busy === 'save'} disabled={busy === 'validate'} data-testid="wizard-save">
              {editing || saved ? 'Save changes' : 'Save'}
            </Button>
          )}
        </Group>
      </Group>
    </Stack>
  )
}

/** Whether an edit touched what an error key refers to. */
function changedField(before: WizardState, after: WizardState, key: string): boolean {
  const table = tableOfField(key)
  if (table !== null) return JSON.stringify(before.overrides[table]) !== JSON.stringify(after.overrides[table])
  if (key === 'tables') return before.selected !== after.selected || before.selection !== after.selection
  if (key === 'allTables') return before.include !== after.include || before.exclude !== after.exclude || before.selection !== after.selection
  if (key.startsWith('options.')) return before.options !== after.options
  if (key.startsWith('schedule.')) return before.schedule !== after.schedule
  return (before as unknown as Record<string, unknown>)[key] !== (after as unknown as Record<string, unknown>)[key]
}
