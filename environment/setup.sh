#!/usr/bin/env bash
# Idempotent set-up, run at the start of `npm run reports` and `npm test`:
#   1. npm dependencies (installed when missing or when package-lock.json changed),
#   2. Jupyter (JupyterLab, nbconvert, nbclient, ipykernel) in the project venv .venv/ (apt as fallback),
#   2b. the tensorflow backend: @tensorflow/tfjs-node's binding, built from the TensorFlow wheel if need be,
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
  # Install scripts are held back: tfjs-node's downloads libtensorflow and fails where that host is
  # unreachable, which would fail the whole install. Step 2b builds it with a fallback; the other
  # packages' scripts run right after.
  if [ -f package-lock.json ]; then npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; else npm install --ignore-scripts --no-audit --no-fund --loglevel=error; fi
  scripted=$(node -e '
    const lock = require("./package-lock.json");
    const names = new Set(Object.entries(lock.packages || {})
      .filter(([k, v]) => k && v.hasInstallScript && !k.endsWith("tensorflow-tfjs-node"))
      .map(([k]) => k.slice(k.lastIndexOf("node_modules/") + "node_modules/".length)));
    console.log([...names].join(" "));')
  if [ -n "$scripted" ]; then npm rebuild --no-audit --no-fund --loglevel=error $scripted >/dev/null; fi
  lock_hash=$( (cat package.json lib/package.json package-lock.json 2>/dev/null) | sha1sum | cut -d' ' -f1)
  echo "$lock_hash" > "$stamp"
fi

# --- 2. Jupyter: the project's own virtual environment .venv/ ------------------------------------------
# JupyterLab, nbconvert, nbclient, ipykernel (+ NumPy/SciPy for scripts/reference/) at the exact versions
# of environment/requirements.txt, reinstalled only when that file changes. pip's own configuration
# decides where packages come from; --retries 0 --timeout 5 keeps an unreachable index from stalling it.
# Where no venv can be made, Debian's packages are the fallback (classic nbconvert/nbclient, no JupyterLab).
REQ=environment/requirements.txt
VENV=.venv
req_hash=$(sha1sum "$REQ" | cut -d' ' -f1)
venv_ready() {
  [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.papers-req-hash" 2>/dev/null)" = "$req_hash" ] &&
    "$VENV/bin/python" -c 'import jupyterlab, nbconvert, nbclient, ipykernel, jupyter_client' >/dev/null 2>&1
}
base_python() {
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then command -v "$py"; return 0; fi
  done
  return 1
}
make_venv() {
  local base
  if ! base=$(base_python); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing python3-venv from apt (to create .venv/)"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv >/dev/null || return 1
    fi
    base=$(base_python) || return 1
  fi
  say "creating .venv/ with $("$base" --version 2>&1) and installing environment/requirements.txt (about 30 s)"
  rm -rf "$VENV"
  "$base" -m venv "$VENV" || return 1
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --retries 0 --timeout 5 -r "$REQ" 2>&1 |
    grep -v "is ignored: it is neither a file nor a directory" >&2 || true
  "$VENV/bin/python" -c 'import jupyterlab, nbconvert, nbclient, ipykernel, jupyter_client' >/dev/null 2>&1 || return 1
  echo "$req_hash" > "$VENV/.papers-req-hash"
}
debian_python() {
  for py in /usr/bin/python3 python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import nbconvert, nbclient, jupyter_client, IPython' >/dev/null 2>&1; then
      command -v "$py"; return 0
    fi
  done
  return 1
}
if venv_ready || make_venv; then
  PY=$ROOT/$VENV/bin/python
  # environment/python (the offline-report exporter, "Report" in JupyterLab's export menu) on the venv's path.
  site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  if [ "$(cat "$site/papers-report.pth" 2>/dev/null)" != "$ROOT/environment/python" ]; then
    echo "$ROOT/environment/python" > "$site/papers-report.pth"
  fi
else
  rm -rf "$VENV"
  say "could not build .venv/ from $REQ (see pip's message above): falling back to Debian's nbconvert/nbclient, without JupyterLab"
  if ! PY=$(debian_python); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing Jupyter from apt (jupyter-nbconvert python3-nbclient python3-ipykernel)"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends jupyter-nbconvert python3-nbclient python3-ipykernel \
        python3-jupyter-client >/dev/null
    fi
    if ! PY=$(debian_python); then
      cat >&2 <<'MSG'
[setup] Jupyter could not be installed: neither a virtual environment (python3 -m venv + pip) nor, as root on
        Debian/Ubuntu, apt was available. Make one yourself and run this command again:
          python3 -m venv .venv && .venv/bin/pip install -r environment/requirements.txt
        or: conda env create -f environment/environment.yml && conda activate paper-notebooks
MSG
      exit 1
    fi
  fi
fi

# --- 2b. the tensorflow backend (optional: WASM stays the default when it cannot be built) ------------------
bash environment/tfjs-node.sh "$PY"

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
if [ ! -f "$KERNEL_JSON" ] || ! grep -q "$ROOT/environment/tslab-kernel.js" "$KERNEL_JSON" || [ "$(cat .jupyter/python 2>/dev/null)" != "$PY" ]; then
  say "registering the tslab kernel in .jupyter/ (python: $PY)"
  node_modules/.bin/tslab install --python="$PY" --binary="$ROOT/environment/tslab-kernel.js" --prefix="$ROOT/.jupyter" >/dev/null
fi
echo "$PY" > .jupyter/python
