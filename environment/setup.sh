#!/usr/bin/env bash
# Idempotent set-up, run at the start of `npm run reports` and `npm test`:
#   1. npm dependencies (installed when missing or when package-lock.json changed),
#   2. Jupyter's nbconvert / nbclient / classic notebook server (from apt when absent and possible),
#   3. Chromium for the browser tests (with --browser),
#   4. the compiled `lib` (lib/dist),
#   5. the tslab kernel registered in the project-local Jupyter directory .jupyter/.
# Safe to run again: each step checks first and does nothing when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WANT_BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --browser) WANT_BROWSER=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
say() { echo "[setup] $*"; }

# --- 0. Node ---------------------------------------------------------------------------------
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "[setup] Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

# --- 1. npm dependencies -----------------------------------------------------------------------
lock_hash=$( (cat package.json lib/package.json package-lock.json 2>/dev/null) | sha1sum | cut -d' ' -f1)
stamp=node_modules/.papers-deps-hash
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  say "installing npm dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
  lock_hash=$( (cat package.json lib/package.json package-lock.json 2>/dev/null) | sha1sum | cut -d' ' -f1)
  echo "$lock_hash" > "$stamp"
fi

# --- 2. Jupyter (nbconvert, nbclient, classic notebook, ipykernel for `tslab install`) -----------
find_python() {
  for py in /usr/bin/python3 python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import nbconvert, nbclient, notebook, jupyter_client, IPython' >/dev/null 2>&1; then
      command -v "$py"; return 0
    fi
  done
  return 1
}
if ! PY=$(find_python); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Jupyter from apt (jupyter-nbconvert python3-nbclient jupyter-notebook python3-ipykernel)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-notebook \
      python3-ipykernel python3-jupyter-client >/dev/null
  fi
  if ! PY=$(find_python); then
    cat >&2 <<'MSG'
[setup] Jupyter's nbconvert/nbclient/notebook are missing and could not be installed from apt
        (needs root on Debian/Ubuntu). Install them into the python3 on your PATH with one of:
          python3 -m pip install -r environment/requirements.txt
          conda env create -f environment/environment.yml && conda activate paper-notebooks
        then run this command again.
MSG
    exit 1
  fi
fi

# --- 3. Chromium for browser tests -----------------------------------------------------------------
if [ "$WANT_BROWSER" = 1 ] && ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing chromium from apt (browser tests)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    say "chromium not found and cannot be installed here: browser tests will fail (apt-get install chromium)"
  fi
fi

# --- 3b. DejaVu fonts (notebook 05 renders text with a real font through @napi-rs/canvas) --------------
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing fonts-dejavu-core from apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends fonts-dejavu-core >/dev/null
  else
    say "DejaVu fonts not found (apt-get install fonts-dejavu-core): notebook 05 falls back to its bitmap font"
  fi
fi

# --- 4. lib ------------------------------------------------------------------------------------------
if [ ! -f lib/dist/index.js ] || [ -n "$(find lib/src lib/tsconfig.json -newer lib/dist/index.js -print -quit 2>/dev/null)" ]; then
  say "building lib"
  node_modules/.bin/tsc -p lib/tsconfig.json
  touch lib/dist/index.js
fi

# --- 5. tslab kernel in .jupyter/ ----------------------------------------------------------------------
KERNEL_JSON=.jupyter/share/jupyter/kernels/tslab/kernel.json
# The kernel starts through environment/tslab-kernel.js (tslab's main with serialised ZeroMQ sends).
if [ ! -f "$KERNEL_JSON" ] || ! grep -q "$ROOT/environment/tslab-kernel.js" "$KERNEL_JSON"; then
  say "registering the tslab kernel in .jupyter/ (python: $PY)"
  node_modules/.bin/tslab install --python="$PY" --binary="$ROOT/environment/tslab-kernel.js" --prefix="$ROOT/.jupyter" >/dev/null
fi
echo "$PY" > .jupyter/python
