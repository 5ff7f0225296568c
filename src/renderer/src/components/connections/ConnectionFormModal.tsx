import { useState } from 'react'
import { Alert, Badge, Button, Group, Modal, Stack, Tabs, Text } from '@mantine/core'
import type { ConnectionInfo, ConnectionTestReport } from '../../../../shared/connections'
import { toErrorBody } from '../../api/client'
import { api } from '../../api/runtime'
import { errorsPerTab, fieldErrorsOf, tabOf, type FieldErrors, type FormTab } from '../../connections/field-errors'
import {
  emptyForm,
  formFromInfo,
  localErrors,
  toCreateInput,
  toTestInput,
  toUpdateInput,
  type ConnectionForm
} from '../../connections/form-model'
import { AdvancedFields } from './AdvancedFields'
import { GeneralFields } from './GeneralFields'
import { SshFields } from './SshFields'
import { TestReportView } from './TestReportView'
import { TlsFields } from './TlsFields'

interface Props {
  /** The saved connection being edited, or null for a new one. */
  editing: ConnectionInfo | null
  onClose(): void
  onSaved(c: ConnectionInfo): void
}

/** Keeps the dialog from jumping in height when switching between short and long tabs. */
const PANEL_MIN_HEIGHT = 360

const TAB_LABELS: Record<FormTab, string> = { general: 'General', tls: 'TLS', ssh: 'SSH tunnel', advanced: 'Advanced' }

/** Form keys -> the contract paths whose errors an edit of that key makes stale. */
const PATHS_OF: Partial<Record<keyof ConnectionForm, string>> = { connectTimeoutSec: 'connectTimeoutMs', sshEnabled: 'ssh' }

/** Create or edit a connection; Test runs the form values against the server before saving. */
export function ConnectionFormModal({ editing, onClose, onSaved }: Props) {
  const [form, setForm] = useState<ConnectionForm>(() => (editing ? formFromInfo(editing) : emptyForm()))
  const [errors, setErrors] = useState<FieldErrors>({})
  const [general, setGeneral] = useState<string[]>([])
  const [tab, setTab] = useState<FormTab>('general')
  const [busy, setBusy] = useState<'test' | 'save' | null>(null)
  const [report, setReport] = useState<ConnectionTestReport | null>(null)

  const update = (patch: Partial<ConnectionForm>): void => {
    setForm((f) => ({ ...f, ...patch }))
    const stale = Object.keys(patch).map((k) => PATHS_OF[k as keyof ConnectionForm] ?? k)
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([path]) => !stale.some((s) => path === s || path.startsWith(`${s}.`)))))
  }

  /** Shows errors on their fields and opens the first tab that has one. */
  const showErrors = (fields: FieldErrors, rest: string[]): void => {
    setErrors(fields)
    setGeneral(rest)
    const first = Object.keys(fields)[0]
    if (first) setTab(tabOf(first))
  }

  const checkLocally = (): boolean => {
    const local = localErrors(form)
    if (Object.keys(local).length === 0) return true
    showErrors(local, [])
    return false
  }

  const test = async (): Promise<void> => {
    if (!checkLocally()) return
    setBusy('test')
    setReport(null)
    setGeneral([])
    try {
      setReport(await api().call('connections.test', toTestInput(form, editing)))
      setErrors({})
    } catch (err) {
      const { fields, rest } = fieldErrorsOf(toErrorBody(err))
      showErrors(fields, rest)
    } finally {
      setBusy(null)
    }
  }

  const save = async (): Promise<void> => {
    if (!checkLocally()) return
    setBusy('save')
    setGeneral([])
    try {
      const saved = editing
        ? await api().call('connections.update', toUpdateInput(form, editing))
        : await api().call('connections.create', toCreateInput(form))
      onSaved(saved)
    } catch (err) {
      const { fields, rest } = fieldErrorsOf(toErrorBody(err))
      showErrors(fields, rest)
      setBusy(null)
    }
  }

  const perTab = errorsPerTab(errors)
  const section = { form, update, errors, editing: editing !== null }

  return (
    <Modal
      opened
      onClose={onClose}
      size={720}
      title={
        <Text fw={600}>{editing ? `Edit connection · ${editing.name}` : 'New connection'}</Text>
      }
      closeOnClickOutside={false}
      attributes={{ content: { 'data-testid': 'connection-form' } }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
        autoComplete="off"
        // Our own messages, on the fields and tabs, instead of the browser's bubbles.
        noValidate
      >
        <Stack gap="md">
          <Tabs value={tab} onChange={(v) => v && setTab(v as FormTab)} keepMounted={false}>
            <Tabs.List>
              {(Object.keys(TAB_LABELS) as FormTab[]).map((t) => (
                <Tabs.Tab
                  key={t}
                  value={t}
                  data-testid={`conn-tab-${t}`}
                  rightSection={
                    perTab[t] > 0 ? (
                      <Badge size="xs" color="red" circle>
                        {perTab[t]}
                      </Badge>
                    ) : t === 'ssh' && form.sshEnabled ? (
                      <Badge size="xs" variant="light" color="violet">
                        on
                      </Badge>
                    ) : null
                  }
                >
                  {TAB_LABELS[t]}
                </Tabs.Tab>
              ))}
            </Tabs.List>
            <Tabs.Panel value="general" pt="md" mih={PANEL_MIN_HEIGHT}>
              <GeneralFields {...section} />
            </Tabs.Panel>
            <Tabs.Panel value="tls" pt="md" mih={PANEL_MIN_HEIGHT}>
              <TlsFields {...section} />
            </Tabs.Panel>
            <Tabs.Panel value="ssh" pt="md" mih={PANEL_MIN_HEIGHT}>
              <SshFields {...section} />
            </Tabs.Panel>
            <Tabs.Panel value="advanced" pt="md" mih={PANEL_MIN_HEIGHT}>
              <AdvancedFields {...section} />
            </Tabs.Panel>
          </Tabs>

          {general.length > 0 && (
            <Alert color="red" title="Not saved" data-testid="conn-form-error">
              {general.map((m) => (
                <div key={m}>{m}</div>
              ))}
            </Alert>
          )}
          {report && (
            <TestReportView
              report={report}
              onPinHostKey={
                form.sshEnabled && form.ssh.hostKeyFingerprint.trim() === ''
                  ? (fp) => update({ ssh: { ...form.ssh, hostKeyFingerprint: fp } })
                  : undefined
              }
            />
          )}

          <Group justify="space-between">
            <Button variant="default" onClick={() => void test()} loading={busy === 'test'} disabled={busy === 'save'} data-testid="conn-test">
              Test connection
            </Button>
            <Group gap="xs">
              <Button variant="subtle" color="gray" onClick={onClose} data-testid="conn-cancel">
                Cancel
              </Button>
              <Button type="submit" loading={busy === 'save'} disabled={busy === 'test'} data-testid="conn-save">
                {editing ? 'Save changes' : 'Save'}
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  )
}
