// Writes docs/config-document.schema.json from the zod schema in src/shared/config-document.ts.
import { buildSync } from 'esbuild'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
mkdirSync(join(root, '.tmp'), { recursive: true })
const out = join(mkdtempSync(join(root, '.tmp', 'schema-')), 'schema.cjs')
buildSync({ entryPoints: [join(root, 'scripts/document-schema-entry.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: out, packages: 'external', logLevel: 'error' })
const { documentJsonSchema } = createRequire(import.meta.url)(out)
writeFileSync(join(root, 'docs', 'config-document.schema.json'), JSON.stringify(documentJsonSchema(), null, 2) + '\n')
console.log('docs/config-document.schema.json written')
