// How the desktop app is packaged: `npm run package` (this system's installers) and `npm run package:all`.
// docs/desktop.md ("Packaging") explains each choice and how to sign; tests/integration/packaging checks
// the result against a stand-in Electron (no Electron download in CI).
//
// A script, not YAML, because each system's file list is the common one plus the pick of its own
// better-sqlite3 binding: electron-builder treats a system's own `files` as a second file set, and a set
// that only excludes copies the whole project, so the lists are joined here instead.
'use strict'

/**
 * What goes into app.asar: the three bundles electron-vite builds and package.json; electron-builder adds
 * the production dependencies (never devDependencies) itself. Below node_modules it applies only the `!`
 * patterns, so what is kept of a dependency is said by excluding the rest.
 */
const appFiles = [
  'package.json',
  'out/main/**',
  'out/preload/**',
  'out/renderer/**',
  '!**/*.map',
  '!**/*.{ts,mts,cts,tsx}',
  '!**/{README,CHANGELOG,HISTORY}*',
  // better-sqlite3 ships SQLite's C sources and a prebuild for eight platforms (one is kept per system,
  // below). node-addon-api is its build-time header package.
  '!node_modules/better-sqlite3/{deps,src}/**',
  '!node_modules/better-sqlite3/binding.gyp',
  '!node_modules/node-addon-api/**',
  // node-sql-parser carries a parser per SQL dialect (12 MB); the row-filter check loads only MySQL's.
  '!node_modules/node-sql-parser/{ast,lib,umd}/**',
  '!node_modules/node-sql-parser/*.{js,ts,map}',
  '!node_modules/node-sql-parser/build/!(mysql.js)',
  // moment (under winston-daily-rotate-file) is required by its main file only.
  '!node_modules/moment/{locale,min,dist,src}/**',
  // ssh2's optional native speed-up: never built here (allowScripts), its C sources are dead weight.
  '!node_modules/{cpu-features,nan}/**'
]

/**
 * A system's files: the common list and its own better-sqlite3 binding only. Named per system because
 * the `${platform}` macro is the build machine's platform, wrong for a cross build; `${arch}` is the
 * target's, in Node's spelling (x64, arm64), as the prebuilds are named.
 */
const filesFor = (nodePlatform) => [...appFiles, `!node_modules/better-sqlite3/prebuilds/!(${nodePlatform}-\${arch}.node)`]

module.exports = {
  appId: 'dev.dbtaxi.desktop',
  productName: 'DB-Taxi',
  copyright: 'Copyright © 2026 the DB-Taxi authors',
  directories: { output: 'dist', buildResources: 'resources' },

  // A native module cannot be loaded from inside an archive: the binding sits in app.asar.unpacked,
  // where Electron's asar support redirects better-sqlite3's require().
  asarUnpack: ['node_modules/better-sqlite3/prebuilds/*.node'],

  // better-sqlite3 13's prebuilds are N-API addons, the ABI-stable interface Electron provides as well:
  // the file built for Node is the file built for Electron 45's ABI, so nothing is recompiled (a rebuild
  // would need Electron's headers from the network and a C++ toolchain for another copy of the same
  // module). scripts/packaging/after-pack.cjs fails the packaging if the unpacked binding for the target
  // is missing or is not an N-API module (a NAN module would need the rebuild after all).
  npmRebuild: false,
  afterPack: 'scripts/packaging/after-pack.cjs',

  // The tray icons are read from disk at run time (process.resourcesPath/resources).
  extraResources: [{ from: 'resources', to: 'resources', filter: ['tray-*.png', 'icon.png'] }],

  // Flipped in the packaged binary, right before signing. DB-Taxi needs none of what these switch off:
  // it never runs as plain Node (ELECTRON_RUN_AS_NODE), takes no NODE_OPTIONS or --inspect from outside,
  // and serves its UI on app://, never file://.
  electronFuses: {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableCookieEncryption: true,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
    // Flipping edits the macOS binary after Electron's ad-hoc signature was made; an unsigned build would
    // be killed at launch on Apple Silicon without a fresh one (a real signature replaces it).
    resetAdHocDarwinSignature: true
  },

  // deb requires a Homepage field. There is no public project page yet: replace this with it.
  extraMetadata: { homepage: 'https://db-taxi.invalid/' },

  linux: {
    target: ['AppImage', 'deb'],
    files: filesFor('linux'),
    // Lower case on Linux, as commands are (the deb links it as /usr/bin/db-taxi).
    executableName: 'db-taxi',
    icon: 'resources/icon.png',
    category: 'Development',
    synopsis: 'MySQL/MariaDB data cloning and sync',
    maintainer: 'DB-Taxi <maintainers@db-taxi.invalid>',
    // Electron names the window class after the app (package.json name).
    desktop: { entry: { StartupWMClass: 'db-taxi' } }
  },
  deb: { packageCategory: 'database' },
  appImage: { artifactName: '${productName}-${version}-${arch}.${ext}' },

  win: { target: ['nsis'], files: filesFor('win32'), icon: 'resources/icon.ico' },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    createDesktopShortcut: true,
    artifactName: '${productName}-Setup-${version}-${arch}.${ext}'
  },

  mac: {
    target: ['dmg'],
    // One arch per dmg (x64, arm64): a universal app would need both bindings and mac.x64ArchFiles.
    files: filesFor('darwin'),
    icon: 'resources/icon.icns',
    category: 'public.app-category.developer-tools',
    hardenedRuntime: true,
    // Notarized when APPLE_API_KEY / APPLE_API_KEY_ID / APPLE_API_ISSUER (or APPLE_ID, ...) are set.
    notarize: true
  },
  dmg: { artifactName: '${productName}-${version}-${arch}.${ext}' }
}
