#!/bin/sh
# Runs a script on Node >= 22.19. The system Node may be older (Debian ships 20): then a private
# Node 22 from the npm registry is installed once into ~/.cache/node22 and used instead.
set -e
need_major=22; need_minor=19
ok() { "$1" -e "const [a,b]=process.versions.node.split('.').map(Number);process.exit(a>$need_major||(a===$need_major&&b>=$need_minor)?0:1)" 2>/dev/null; }
node_bin=node
if ! ok node; then
  node_bin="$HOME/.cache/node22/node_modules/.bin/node"
  if ! ok "$node_bin"; then
    echo "sallyport: Node $(node --version 2>/dev/null || echo none) is older than 22.19; installing Node 22 into ~/.cache/node22 (once)" >&2
    npm install --prefix "$HOME/.cache/node22" --no-save --no-audit --no-fund node@22 >&2
  fi
  PATH="$HOME/.cache/node22/node_modules/.bin:$PATH"; export PATH
fi
exec "$node_bin" "$@"
