#!/usr/bin/env bash
# Installs what the build, the tests and the demo need, and nothing that is already there:
# Debian's redis-server, rabbitmq-server, nginx-light and shellcheck (when root), Node.js 24 into .tools/
# when the system Node is older than 22, and the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "deps: missing ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
  fi
fi

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
tools_node=.tools/node_modules/node/bin/node
if [ "$(node_major node)" -lt 22 ] && [ ! -x "$tools_node" ]; then
  echo "deps: system Node is $(node --version 2>/dev/null || echo absent); installing Node 24 into .tools/"
  npm install --prefix .tools --no-save --no-package-lock --no-audit --no-fund node@24 >/dev/null
  if [ "$(node_major "$tools_node")" -lt 22 ]; then
    echo "deps: Node 24 did not install into .tools/" >&2
    exit 1
  fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci"
  npm ci --no-audit --no-fund >/dev/null
fi
