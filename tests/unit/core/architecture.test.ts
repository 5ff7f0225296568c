import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '..', '..', '..')

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|tsx)$/.test(name) ? [p] : []
  })
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]!)
}

// One core, thin edges: the lint rule says the same; this test keeps it true even if lint is skipped.
describe('architecture', () => {
  it('src/main/sync, src/main/api and src/shared never import electron or an edge', () => {
    const offenders: string[] = []
    for (const dir of ['src/main/sync', 'src/main/api', 'src/shared']) {
      for (const file of sources(join(ROOT, dir))) {
        for (const spec of importsOf(file)) {
          if (spec === 'electron' || spec.startsWith('electron/') || /\/(desktop|headless|renderer)(\/|$)/.test(spec)) {
            offenders.push(`${relative(ROOT, file)} imports ${spec}`)
          }
        }
      }
    }
    expect(offenders).toEqual([])
  })

  it('the renderer only imports src/shared and packages, never main or node built-ins', () => {
    const offenders: string[] = []
    for (const file of sources(join(ROOT, 'src/renderer'))) {
      for (const spec of importsOf(file)) {
        if (spec === 'electron' || spec.startsWith('node:') || /\/main(\/|$)/.test(spec)) offenders.push(`${relative(ROOT, file)} imports ${spec}`)
      }
    }
    expect(offenders).toEqual([])
  })
})

describe('documentation', () => {
  it('the README documents every config key and its variable', async () => {
    const { CONFIG_KEY_NAMES, envVarFor } = await import('../../../src/shared/config-keys')
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const missing = CONFIG_KEY_NAMES.filter((k) => !readme.includes(`\`${k}\``) || !readme.includes(`\`${envVarFor(k)}\``))
    expect(missing).toEqual([])
  })
})
