// Entry bundled by gen-document-schema.mjs: the configuration document's JSON Schema, from its zod schema.
export { documentJsonSchema } from '../src/shared/config-document-json-schema'
