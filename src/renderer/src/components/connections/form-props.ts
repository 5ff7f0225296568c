import type { ConnectionForm } from '../../connections/form-model'
import type { FieldErrors } from '../../connections/field-errors'

/** What every section of the connection form gets. */
export interface SectionProps {
  form: ConnectionForm
  update(patch: Partial<ConnectionForm>): void
  errors: FieldErrors
  /** Editing a saved connection (secrets show set/not set), not creating one. */
  editing: boolean
}
