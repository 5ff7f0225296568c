#!/usr/bin/env node
// Entry of the `db-taxi` command: runs the bundled CLI (built by `npm run build`).
'use strict'
const { existsSync } = require('node:fs')
const { join } = require('node:path')

// package.json asks for Node >= 22.12; under older ones the metadata store's native module can crash the
// process (a segfault, no message), so say so first.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`db-taxi: needs Node.js 22.12 or newer; this is ${process.versions.node}.\n`)
  process.exit(2)
}

const cli = join(__dirname, '..', 'out', 'cli', 'db-taxi.cjs')
if (!existsSync(cli)) {
  process.stderr.write('db-taxi: the CLI is not built yet. Run `npm run build` in ' + join(__dirname, '..') + ' first.\n')
  process.exit(2)
}
const { main, finish } = require(cli)
// finish() exits once stdout is written out: into a pipe an early exit cut the output short.
main(process.argv).then(finish)
