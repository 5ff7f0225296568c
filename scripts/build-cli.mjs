// Bundles the headless CLI (src/main/headless/cli.ts) into out/cli/db-taxi.cjs for Node.
// Separate from electron-vite so the CLI never depends on Electron; node_modules stay external
// (better-sqlite3 and mysql2 are loaded from node_modules at run time, built for Node's ABI).
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { dirname, resolve } from 'node:path'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
await build({
  entryPoints: [resolve(root, 'src/main/headless/cli.ts')],
  outfile: resolve(root, 'out/cli/db-taxi.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning'
})
