import { z } from 'zod'
import { configDocumentSchema } from './config-document'

/**
 * The configuration document's schema as JSON Schema (draft 2020-12), for editors: a YAML or JSON
 * language server validates and completes a document with it. Made from the zod schema that checks
 * imports, so the two cannot disagree; docs/config-document.schema.json is this, written by
 * `npm run docs:schema` (a unit test fails when it is out of date). Checks zod makes in code (a
 * cron expression, a filter) are the import's; the JSON Schema has the shapes, types and limits.
 */
export function documentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configDocumentSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return { ...schema, $id: 'https://db-taxi.invalid/schemas/config-document-v1.json', title: 'DB-Taxi configuration document, version 1' }
}
