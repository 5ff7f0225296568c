// electron-builder's afterPack hook (electron-builder.cjs): runs on the unpacked app of each target,
// before fuses are flipped, the app is signed and installers are made. It fails the packaging when
// the app could not work:
// - the better-sqlite3 binding for the packaged platform and arch must sit unpacked beside app.asar
//   (a .node file inside the archive cannot be loaded) and be an N-API addon: N-API is what lets
//   the prebuild made for Node load in Electron's ABI without a rebuild (electron-builder.cjs,
//   npmRebuild). A NAN addon exports node_register_module_v<ABI> and would need that rebuild.
// - no binding for another platform rides along;
// - the tray icons, read from disk at run time, are there.
'use strict'
const { existsSync, readFileSync, readdirSync } = require('node:fs')
const { join } = require('node:path')

const TRAY_STATES = ['idle', 'running', 'failed']

/** Node's names (process.platform, process.arch) for electron-builder's platform name and Arch enum. */
function nodeTarget(electronPlatformName, arch) {
  const archNames = { 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' }
  return { platform: electronPlatformName, arch: typeof arch === 'number' ? archNames[arch] : String(arch) }
}

/** Problems of a packaged app's resources directory, as sentences; empty when it is fine. */
function checkResources(resourcesDir, platform, arch) {
  const problems = []
  const prebuilds = join(resourcesDir, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'prebuilds')
  const want = `${platform}-${arch}.node`
  const binding = join(prebuilds, want)
  if (!existsSync(binding)) {
    problems.push(`better-sqlite3's binding ${want} is not unpacked at ${binding}`)
  } else {
    const bytes = readFileSync(binding)
    if (!bytes.includes('napi_register_module_v1')) problems.push(`${binding} is not an N-API addon: it would not load in Electron without a rebuild`)
    if (bytes.includes('node_register_module_v')) problems.push(`${binding} is built for one Node ABI (NAN), not N-API: rebuild it for Electron`)
  }
  if (existsSync(prebuilds)) {
    const others = readdirSync(prebuilds).filter((f) => f !== want)
    if (others.length > 0) problems.push(`bindings for other platforms are packaged: ${others.join(', ')}`)
  }
  const iconNames = platform === 'darwin' ? TRAY_STATES.map((s) => `tray-${s}Template.png`) : TRAY_STATES.map((s) => `tray-${s}.png`)
  for (const name of iconNames) {
    if (!existsSync(join(resourcesDir, 'resources', name))) problems.push(`the tray icon resources/${name} is missing`)
  }
  return problems
}

function resourcesDirOf(context) {
  if (context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas') {
    return join(context.appOutDir, `${context.packager.appInfo.productFilename}.app`, 'Contents', 'Resources')
  }
  return join(context.appOutDir, 'resources')
}

async function afterPack(context) {
  const { platform, arch } = nodeTarget(context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName, context.arch)
  const problems = checkResources(resourcesDirOf(context), platform, arch)
  if (problems.length > 0) {
    throw new Error(`db-taxi packaging check failed for ${platform}-${arch}:\n  - ${problems.join('\n  - ')}`)
  }
}

module.exports = afterPack
module.exports.default = afterPack
module.exports.checkResources = checkResources
