#!/usr/bin/env node
// Entry of the `db-taxi` command: runs the bundled CLI (built by `npm run build`).
'use strict'
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const cli = join(__dirname, '..', 'out', 'cli', 'db-taxi.cjs')
if (!existsSync(cli)) {
  process.stderr.write('db-taxi: the CLI is not built yet. Run `npm run build` in ' + join(__dirname, '..') + ' first.\n')
  process.exit(2)
}
require(cli)
  .main(process.argv)
  .then((code) => {
    process.exitCode = code
    setImmediate(() => process.exit(code))
  })
