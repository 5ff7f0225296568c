// Regenerates the configuration table in README.md from src/shared/config-keys.ts, between the
// <!-- config-table --> markers. A unit test checks that every key and variable is documented.
import { buildSync } from 'esbuild'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// Inside the repo so the bundle resolves zod from node_modules.
mkdirSync(join(root, '.tmp'), { recursive: true })
const out = join(mkdtempSync(join(root, '.tmp', 'docs-')), 'keys.cjs')
buildSync({ entryPoints: [join(root, 'scripts/config-docs-entry.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: out, packages: 'external', logLevel: 'error' })
const { CONFIG_KEYS, envVarFor, formatDuration } = createRequire(import.meta.url)(out)

const rows = Object.entries(CONFIG_KEYS).map(([key, s]) => {
  const def = s.kind === 'duration' ? formatDuration(s.default) : s.default === '' ? '(empty)' : String(s.default)
  const show = (n) => (s.kind === 'duration' ? formatDuration(n) : String(n))
  // Ints and durations show their range (config-keys.ts gives every one both bounds).
  const range = s.min !== undefined && s.max !== undefined ? `, ${show(s.min)} to ${show(s.max)}` : ''
  const type = s.kind + (s.values ? ` (${s.values.join(', ')})` : '') + range + (s.nonEmpty ? ', not empty' : '')
  const notes = (s.restart ? ' Restart needed.' : '') + (s.editable ? '' : ' Not editable from the UI.')
  return `| \`${key}\` | \`${envVarFor(key)}\` | ${type} | ${def} | ${s.description.replace(/\|/g, '\\|')}${notes} |`
})
const table = ['| key | variable | type | default | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n')
const readmePath = join(root, 'README.md')
const readme = readFileSync(readmePath, 'utf8')
const next = readme.replace(/<!-- config-table -->[\s\S]*?<!-- \/config-table -->/, `<!-- config-table -->\n${table}\n<!-- /config-table -->`)
if (next === readme && !readme.includes('<!-- config-table -->')) throw new Error('README.md has no <!-- config-table --> markers')
writeFileSync(readmePath, next)
console.log(`README.md: ${rows.length} config keys documented`)
