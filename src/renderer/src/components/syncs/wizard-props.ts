import type { ConnectionInfo, DatabaseInfo, TableInfo } from '../../../../shared/connections'
import type { RemoteState } from '../../hooks/useRemote'
import type { FieldErrors, WizardState } from '../../syncs/wizard-model'

/** What every wizard step receives. */
export interface StepProps {
  state: WizardState
  update(patch: Partial<WizardState> | ((s: WizardState) => WizardState)): void
  errors: FieldErrors
  /** Editing a saved config (some switches are limited then). */
  editing: boolean
}

export interface WizardData {
  connections: ConnectionInfo[] | null
  sourceDatabases: RemoteState<DatabaseInfo[]>
  targetDatabases: RemoteState<DatabaseInfo[]>
  tables: RemoteState<TableInfo[]>
}
