import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'

// The runtime the suite runs on is part of what it proves: CI sets REQUIRE_NODE_MAJOR (24) after
// `. scripts/node24.sh`, so a CI run that fell back to the machine's older node fails here instead
// of passing on the wrong runtime.
const root = join(__dirname, '..', '..', '..')
const major = Number(process.versions.node.split('.')[0])

describe('runtime', () => {
  it('runs on the Node that engines.node allows', () => {
    const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node as string
    const floor = /^>=(\d+)\.(\d+)$/.exec(engines)
    expect(floor, `engines.node is ${engines}`).not.toBeNull()
    const fMajor = Number(floor![1])
    const fMinor = Number(floor![2])
    const minor = Number(process.versions.node.split('.')[1])
    expect(major > fMajor || (major === fMajor && minor >= fMinor), `node ${process.version} is below ${engines}`).toBe(true)
  })

  // Skipped (and counted as skipped) outside CI, where any allowed Node may run the suite.
  it.skipIf(!process.env.REQUIRE_NODE_MAJOR)('runs on the Node major CI asks for', () => {
    expect(process.version).toMatch(new RegExp(`^v${Number(process.env.REQUIRE_NODE_MAJOR)}\\.`))
  })

  it('pins scripts/node24.sh to a Node 24 release', () => {
    expect(readFileSync(join(root, '.node-version'), 'utf8').trim()).toMatch(/^24\.\d+\.\d+$/)
  })

  it("loads better-sqlite3's prebuilt N-API binary, not a local build", () => {
    const pkg = dirname(createRequire(__filename).resolve('better-sqlite3/package.json'))
    expect(existsSync(join(pkg, 'build', 'Release', 'better_sqlite3.node')), 'a node-gyp build exists: allowScripts let the install script run').toBe(false)
    expect(existsSync(join(pkg, 'prebuilds', `${process.platform}-${process.arch}.node`))).toBe(true)
    const db = new Database(':memory:')
    try {
      expect(db.prepare('SELECT 1 + 1 AS two').get()).toEqual({ two: 2 })
    } finally {
      db.close()
    }
  })
})
