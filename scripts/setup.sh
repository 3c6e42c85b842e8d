#!/usr/bin/env bash
# Idempotent setup for a fresh machine: npm dependencies, Debian packages the tests and demo need
# (only when missing), and the Go-built tools (k6 via xk6, Toxiproxy, actionlint, kubeconform) into tools/bin.
# A second run with the same pins only checks versions and takes seconds.
# `--runtime` (CI's gate job: `npm run setup -- --runtime`): npm dependencies, the build and k6 only;
# none of the test suite's Debian packages, no Toxiproxy, no actionlint.
set -euo pipefail
RUNTIME=0
for arg in "$@"; do
  case "$arg" in
    --runtime) RUNTIME=1 ;;
    *) printf 'setup: unknown option %s (known: --runtime)\n' "$arg" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
ROOT=$PWD

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 2; }

command -v node >/dev/null || die "Node.js 20+ is required (https://nodejs.org or apt-get install nodejs)"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || die "Node.js 20+ is required, found $(node --version)"
command -v npm >/dev/null || die "npm is required"

# ---- pins: lib/pins.json is the one place (README "Pins" says why; `chaosgate setup` reads it too)
# k6: newest the Go module proxy serves here (v2 is not served); xk6: the builder (v1.x is not
# served here); xk6Redis: the Redis client as k6/x/redis.
pin() { node -p "require('./lib/pins.json').$1"; }
K6_VERSION=$(pin k6)
XK6_VERSION=$(pin xk6)
XK6_REDIS_VERSION=$(pin xk6Redis)
TOXIPROXY_VERSION=$(pin toxiproxy)
ACTIONLINT_VERSION=$(pin actionlint)
KUBECONFORM_VERSION=$(pin kubeconform)
K8S_SCHEMAS_VERSION=$(pin kubernetesSchemas)

# ---- npm ---------------------------------------------------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
node scripts/build.mjs

# ---- Debian packages, only those missing (the tests' and the demo's; none with --runtime) ----------
need_apt=()
if [ "$RUNTIME" = 0 ]; then
  command -v redis-server >/dev/null || need_apt+=(redis-server)
  command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || need_apt+=(nats-server)
  command -v xmllint >/dev/null || need_apt+=(libxml2-utils)
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v wrk >/dev/null || need_apt+=(wrk)
  # The RabbitMQ probe's test starts its own throwaway node from this (no service is used).
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need_apt+=(rabbitmq-server)
  if [ ${#need_apt[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || die "missing ${need_apt[*]} and no apt-get: install them with your package manager"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    say "installing Debian packages: ${need_apt[*]}"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >&2
  fi
fi

# ---- Python packages (the tests' real exporters and Celery worker, and Locust); none with --runtime
if [ "$RUNTIME" = 0 ]; then
  # ---- Python packages the probe tests run for real, only those missing ---------------------------
  # prometheus-client: a real exporter for the Prometheus probe; celery + redis: a real Celery worker
  # for the Celery probe, drain and process-tree tests (test/e2e/probes-http, celery-worker).
  command -v python3 >/dev/null || die "python3 is required for the probe tests (apt-get install python3 python3-pip)"
  need_py=()
  python3 -c 'import prometheus_client' 2>/dev/null || need_py+=(prometheus-client)
  python3 -c 'import celery' 2>/dev/null || need_py+=(celery)
  python3 -c 'import redis' 2>/dev/null || need_py+=(redis)
  if [ ${#need_py[@]} -gt 0 ]; then
    say "installing Python packages: ${need_py[*]}"
    # A Debian system Python refuses plain pip (PEP 668): then into the user's site-packages.
    python3 -m pip install -q "${need_py[@]}" >&2 2>/dev/null || python3 -m pip install -q --user --break-system-packages "${need_py[@]}" >&2
  fi

  # ---- Locust (PyPI), the second load driver (docs/locust.md): only when missing or another version
  LOCUST_VERSION=$(pin locust)
  PYTHON=${CHAOSGATE_PYTHON:-python3}
  command -v "$PYTHON" >/dev/null || die "Python 3.11+ is required for Locust (apt-get install python3 python3-pip)"
  if [ "$("$PYTHON" -c 'import importlib.metadata as m; print(m.version("locust"))' 2>/dev/null)" != "$LOCUST_VERSION" ]; then
    say "installing locust $LOCUST_VERSION (pip)"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check "locust==$LOCUST_VERSION" >&2
  fi
fi

# ---- Go tools ----------------------------------------------------------------------------------
command -v go >/dev/null || die "Go 1.22+ is required to build k6 with xk6 (apt-get install golang, or https://go.dev/dl)"
BIN="$ROOT/tools/bin"; SRC="$ROOT/tools/src"; mkdir -p "$BIN" "$SRC"
# Some modules k6 needs are not in the checksum database reachable here; the proxy still serves them.
export GOSUMDB=off GOFLAGS=-mod=mod GOTOOLCHAIN=local

# go_tool NAME MODULE@VERSION PACKAGE: builds PACKAGE into tools/bin/NAME inside a throwaway module,
# because `go install pkg@version` needs the proxy's version list, which is refused for some modules here.
go_tool() {
  local name=$1 modver=$2 pkg=$3 stamp="$BIN/.$1.version"
  if [ -x "$BIN/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$modver" ]; then return; fi
  say "building $name ($modver)"
  rm -rf "$SRC/$name"; mkdir -p "$SRC/$name"
  (cd "$SRC/$name" && go mod init "chaosgate.tools/$name" >/dev/null 2>&1 && go get "$modver" >&2 && go build -o "$BIN/$name" "$pkg" >&2)
  echo "$modver" > "$stamp"
}

go_tool xk6 "go.k6.io/xk6@$XK6_VERSION" go.k6.io/xk6/cmd/xk6
if [ "$RUNTIME" = 0 ]; then
  go_tool toxiproxy-server "github.com/Shopify/toxiproxy/v2@$TOXIPROXY_VERSION" github.com/Shopify/toxiproxy/v2/cmd/server
  go_tool actionlint "github.com/rhysd/actionlint@$ACTIONLINT_VERSION" github.com/rhysd/actionlint/cmd/actionlint
  go_tool kubeconform "github.com/yannh/kubeconform@$KUBECONFORM_VERSION" github.com/yannh/kubeconform/cmd/kubeconform
  # kubeconform's Kubernetes schemas: it would download them from GitHub, which is not reachable here,
  # so they are generated from the release's own OpenAPI v3 document in the k8s.io/kubernetes module
  # (the Go module proxy serves it; about 22 MB, once) — docs/scale-out.md "How the manifests are checked".
  K8S_SCHEMAS="$ROOT/tools/k8s-schemas"
  if [ "$(cat "$K8S_SCHEMAS/.version" 2>/dev/null)" != "$K8S_SCHEMAS_VERSION" ]; then
    say "generating Kubernetes $K8S_SCHEMAS_VERSION JSON schemas for kubeconform"
    k8s_dir=$(cd "$SRC" && go mod download -json "k8s.io/kubernetes@$K8S_SCHEMAS_VERSION" | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).Dir))')
    rm -rf "$K8S_SCHEMAS"
    node scripts/k8s-json-schemas.mjs "$k8s_dir/api/openapi-spec/v3/api__v1_openapi.json" "$K8S_SCHEMAS" >&2
    echo "$K8S_SCHEMAS_VERSION" > "$K8S_SCHEMAS/.version"
  fi
fi

k6_ok() {
  [ -x "$BIN/k6" ] || return 1
  local v; v=$(K6_AUTO_EXTENSION_RESOLUTION=false "$BIN/k6" version 2>/dev/null) || return 1
  grep -q "k6 $K6_VERSION" <<<"$v" && grep -q "xk6-redis $XK6_REDIS_VERSION" <<<"$v"
}
if ! k6_ok; then
  say "building k6 $K6_VERSION with xk6-redis $XK6_REDIS_VERSION (xk6 $XK6_VERSION; a minute or two)"
  # xk6 treats a Go module in its working directory as an extension under development: build elsewhere.
  (cd "$SRC" && "$BIN/xk6" build "$K6_VERSION" --with "github.com/grafana/xk6-redis@$XK6_REDIS_VERSION" --output "$BIN/k6" >&2)
  k6_ok || die "the built k6 does not report k6 $K6_VERSION with xk6-redis $XK6_REDIS_VERSION"
fi
say "ready: $(K6_AUTO_EXTENSION_RESOLUTION=false "$BIN/k6" version | head -1)"
