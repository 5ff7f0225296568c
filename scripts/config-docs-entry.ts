// Entry bundled by gen-config-docs.mjs: everything the README table needs, from the one source.
export { CONFIG_KEYS, envVarFor } from '../src/shared/config-keys'
export { formatDuration } from '../src/shared/duration'
