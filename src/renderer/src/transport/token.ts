/**
 * The HTTP bearer token. `db-taxi serve` prints a URL ending in `#token=...`: a fragment never reaches
 * the server's logs or a proxy, and we move it to sessionStorage at once and strip it from the address bar
 * so it does not end up in history, bookmarks or screenshots. sessionStorage (not localStorage) so the
 * token dies with the tab.
 */
export const TOKEN_STORAGE_KEY = 'dbTaxi.token'

/** Token from a location hash such as `#token=abc`, `#token=abc&x=1` or `#/settings?token=abc`. */
export function tokenFromHash(hash: string): string | null {
  const match = /(?:^#?|[#&?])token=([^&#]*)/.exec(hash)
  if (!match) return null
  let token: string
  try {
    token = decodeURIComponent(match[1] ?? '')
  } catch {
    return null
  }
  token = token.trim()
  return token === '' ? null : token
}

/** The minimal browser surface this needs, so it can be tested without a DOM. */
export interface TokenEnv {
  location: { hash: string; pathname: string; search: string }
  history: { replaceState(data: unknown, unused: string, url?: string | null): void }
  storage: { getItem(key: string): string | null; setItem(key: string, value: string): void } | null
}

/**
 * Moves a token found in the hash into storage and removes the fragment (keeping path and query);
 * returns the token to use: the fresh one, else the stored one, else null.
 */
export function bootstrapToken(env: TokenEnv): string | null {
  const fromHash = tokenFromHash(env.location.hash)
  if (fromHash !== null) {
    try {
      env.storage?.setItem(TOKEN_STORAGE_KEY, fromHash)
    } catch {
      // Storage disabled (privacy mode): the token still works for this page load.
    }
    env.history.replaceState(null, '', env.location.pathname + env.location.search)
    return fromHash
  }
  return readStoredToken(env.storage)
}

export function readStoredToken(storage: TokenEnv['storage']): string | null {
  try {
    const value = storage?.getItem(TOKEN_STORAGE_KEY) ?? null
    return value === null || value === '' ? null : value
  } catch {
    return null
  }
}
