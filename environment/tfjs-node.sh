#!/usr/bin/env bash
# The `tensorflow` backend: make @tensorflow/tfjs-node's native binding load, or say in one line why not.
# Called by setup.sh after `npm ci`. Idempotent: does nothing when the binding already loads.
#
# tfjs-node's own installer downloads libtensorflow from storage.googleapis.com. Where that is unreachable,
# the TensorFlow CPU wheel from pip's index (version in environment/libtensorflow.txt) carries the same
# library: libtensorflow_cc.so.2 exports the C API the binding calls. We extract only the two shared
# libraries and the C headers into .cache/libtensorflow/<version>/, link them into the package's deps/,
# and build the binding with node-gyp against the local Node headers. Any failure keeps WASM the default.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PKG=node_modules/tensorflow-tfjs-node   # npm alias of @tensorflow/tfjs-node (see package.json)
PY=${1:-python3}
say() { echo "[setup] $*"; }

loads() {
  TF_CPP_MIN_LOG_LEVEL=3 node -e '
    const tf = require("./'"$PKG"'");
    if (!tf.findBackendFactory("tensorflow")) process.exit(3);
    tf.setBackend("tensorflow").then(() => {
      const s = tf.tensor1d([1, 2, 3]).square().sum().dataSync()[0];
      process.exit(s === 14 ? 0 : 4);
    });' >/dev/null 2>&1
}

[ -d "$PKG" ] || { say "tensorflow backend: $PKG is not installed; WASM stays the default"; exit 0; }
if [ "${PAPERS_SKIP_TFJS_NODE:-0}" = 1 ]; then say "tensorflow backend: skipped (PAPERS_SKIP_TFJS_NODE=1)"; exit 0; fi
loads && exit 0

# 1. The package's own installer (works where storage.googleapis.com is reachable).
say "building the tensorflow backend (@tensorflow/tfjs-node)"
if (cd "$PKG" && timeout 300 node scripts/install.js >/dev/null 2>&1) && loads; then
  say "tensorflow backend ready (libtensorflow from tfjs-node's installer)"; exit 0
fi

# 2. libtensorflow from the TensorFlow CPU wheel on pip's index.
SPEC=$(grep -v '^#' environment/libtensorflow.txt | head -1)
VERSION=${SPEC#*==}
LIBTF=$ROOT/.cache/libtensorflow/$VERSION
if [ ! -f "$LIBTF/.complete" ]; then
  say "fetching $SPEC through pip (only its shared libraries and C headers are kept, ~850 MB)"
  WHEELS=$ROOT/.cache/wheels
  mkdir -p "$WHEELS"
  # The libraries do not depend on the Python version; pin one wheel so any local Python can fetch it.
  if ! "$PY" -m pip download --quiet --retries 0 --timeout 5 --no-deps --only-binary=:all: \
      --python-version 3.11 --platform manylinux_2_27_x86_64 --platform manylinux2014_x86_64 \
      -d "$WHEELS" "$SPEC" >/dev/null 2>&1; then
    say "tensorflow backend unavailable: pip could not fetch $SPEC; WASM stays the default"; exit 0
  fi
  WHEEL=$(ls "$WHEELS"/tensorflow_cpu-"$VERSION"-*.whl 2>/dev/null | head -1)
  rm -rf "$LIBTF" && mkdir -p "$LIBTF/lib" "$LIBTF/include"
  if ! "$PY" - "$WHEEL" "$LIBTF" <<'PYX'
import sys, zipfile, os, shutil
wheel, out = sys.argv[1], sys.argv[2]
keep_inc = ("tensorflow/include/tensorflow/c/", "tensorflow/include/tensorflow/core/platform/",
            "tensorflow/include/tsl/", "tensorflow/include/xla/tsl/")
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.endswith("/"):
            continue
        if name in ("tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2"):
            dest = os.path.join(out, "lib", os.path.basename(name))
        elif name.startswith(keep_inc) and name.endswith(".h"):
            dest = os.path.join(out, "include", name[len("tensorflow/include/"):])
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(name) as src, open(dest, "wb") as dst:
            shutil.copyfileobj(src, dst)
PYX
  then say "tensorflow backend unavailable: could not unpack $WHEEL; WASM stays the default"; exit 0; fi
  rm -f "$WHEEL"
  touch "$LIBTF/.complete"
fi

# 3. Link them where binding.gyp looks (-ltensorflow -ltensorflow_framework, rpath $ORIGIN/../../deps/lib).
rm -rf "$PKG/deps" && mkdir -p "$PKG/deps/lib"
ln -s "$LIBTF/include" "$PKG/deps/include"
for name in libtensorflow.so libtensorflow.so.2 libtensorflow_cc.so.2; do ln -s "$LIBTF/lib/libtensorflow_cc.so.2" "$PKG/deps/lib/$name"; done
for name in libtensorflow_framework.so libtensorflow_framework.so.2; do ln -s "$LIBTF/lib/libtensorflow_framework.so.2" "$PKG/deps/lib/$name"; done

# 4. Build the binding with the pinned node-gyp against this Node's own headers (nothing downloaded).
NODEDIR=$(npm config get nodedir 2>/dev/null)
if [ -z "$NODEDIR" ] || [ "$NODEDIR" = undefined ] || [ ! -f "$NODEDIR/include/node/node_api.h" ]; then
  NODEDIR=$(dirname "$(dirname "$(command -v node)")")
fi
if [ ! -f "$NODEDIR/include/node/node_api.h" ]; then
  say "tensorflow backend unavailable: no Node headers next to $(command -v node) (install nodejs headers); WASM stays the default"; exit 0
fi
LOG=$ROOT/.cache/libtensorflow/build.log
if ! (cd "$PKG" && "$ROOT/node_modules/.bin/node-gyp" rebuild --nodedir="$NODEDIR" --module_name=tfjs_binding \
      --module_path="$ROOT/$PKG/lib/napi-v8" --napi_build_version=8) >"$LOG" 2>&1; then
  say "tensorflow backend unavailable: node-gyp failed (log: .cache/libtensorflow/build.log); WASM stays the default"; exit 0
fi
if loads; then
  say "tensorflow backend ready (libtensorflow $VERSION from the $SPEC wheel)"
else
  say "tensorflow backend unavailable: the binding built but does not load; WASM stays the default"
fi
exit 0
