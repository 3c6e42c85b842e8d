#!/usr/bin/env bash
# The evaluator benchmark on a bigger machine that has no registry (issue 23; docs/benchmarks.md,
# "On more cores").
#
#   scripts/bench-cores.sh pack [DIR]   here: writes DIR (default .chaosgate/bench-cores) with this
#                                        Node (xz), tools/bin/k6 (xz), the packed chaosgate with its
#                                        production node_modules, the benchmark bundled, a recording
#                                        of real k6 output, and this script; DUCKDB_PYTHON=3.12 also
#                                        downloads DuckDB's manylinux wheel for that Python.
#   DIR/bench-cores.sh run              there: unpacks beside itself and runs the benchmark at
#                                        THREADS (default "1 2 4 8 16", those above the cores are
#                                        skipped) on POINTS (default 10000000) replicated points,
#                                        then the live and cardinality rows once; prints the rows.
#                                        DuckDB (when packed) runs with as many threads as chaosgate.
#                                        UTC, plain and gzip, 2 rounds; BENCH_ARGS adds or overrides
#                                        benchmark flags (e.g. "--repeat 3 --zones Z,+01:00").
set -euo pipefail

usage() {
  sed -n '2,16p' "$0" >&2
  exit 2
}

pack() {
  local root out stage rel
  root="$(cd "$(dirname "$0")/.." && pwd)"
  out="${1:-$root/.chaosgate/bench-cores}"
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
  rm -rf "${out:?}"/*
  stage="$(mktemp -d)"
  trap 'rm -rf "$stage"' RETURN
  cd "$root"
  [ -x tools/bin/k6 ] || { echo "bench-cores: tools/bin/k6 missing (npm run setup)" >&2; exit 1; }
  echo "node $(node --version) and k6 (xz) ..."
  xz -T0 -6 -c "$(node -p process.execPath)" > "$out/node.xz"
  xz -T0 -6 -c tools/bin/k6 > "$out/k6.xz"

  echo "chaosgate: npm pack and its production dependencies ..."
  npm pack --silent --pack-destination "$stage" > /dev/null # prepack builds dist/
  tar -xzf "$stage"/chaosgate-*.tgz -C "$stage"
  # Every production dependency, nested ones included (Node's lookup from each requiring package),
  # copied from this checkout's node_modules; parents before the packages nested in them.
  node -e '
    const fs = require("fs"), path = require("path");
    const seen = new Set();
    const find = (name, from) => {
      for (let d = from; ; d = path.dirname(d)) {
        const c = path.join(d, "node_modules", name);
        if (fs.existsSync(path.join(c, "package.json"))) return c;
        if (path.dirname(d) === d) return null;
      }
    };
    const walk = (dir) => {
      const pj = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      for (const name of Object.keys({ ...pj.dependencies, ...pj.optionalDependencies })) {
        const c = find(name, dir);
        if (c === null) {
          if (pj.optionalDependencies && name in pj.optionalDependencies) continue;
          throw new Error(`${name}, needed by ${dir}, is not installed`);
        }
        if (!seen.has(c)) seen.add(c), walk(c);
      }
    };
    walk(process.cwd());
    for (const c of [...seen].map((c) => path.relative(process.cwd(), c)).sort((a, b) => a.length - b.length)) console.log(c);
  ' > "$stage/deps.txt"
  while read -r rel; do
    if [ ! -e "$stage/package/$rel" ]; then
      mkdir -p "$(dirname "$stage/package/$rel")"
      cp -a "$root/$rel" "$stage/package/$rel"
    fi
  done < "$stage/deps.txt"
  echo "  $(wc -l < "$stage/deps.txt") packages, $(du -sh "$stage/package/node_modules" | cut -f1)"
  tar -C "$stage" -cJf "$out/chaosgate.tar.xz" package

  echo "the benchmark bundle and a recording of real k6 output ..."
  mkdir -p "$out/bench"
  CHAOSGATE_BENCH_BUNDLE="$out/bench" node bench/run.mjs evaluator
  cp bench/duckdb-peer.py "$out/bench/"
  node "$out/bench/evaluator.mjs" --points 1000 --zones Z --inputs plain --repeat 1 --no-duckdb --no-live --no-cardinality \
    --save-recording "$out/recorded.json" > /dev/null 2> "$stage/record.log"
  echo "  $(grep -m1 "^recorded" "$stage/record.log")"
  xz -T0 -6 "$out/recorded.json"

  if [ -n "${DUCKDB_PYTHON:-}" ]; then
    echo "DuckDB's wheel for Python $DUCKDB_PYTHON ..."
    python3 -m pip download duckdb --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
      --platform manylinux_2_27_x86_64 --platform manylinux2014_x86_64 --python-version "$DUCKDB_PYTHON" -d "$out/wheels" > /dev/null
  fi
  cp "$0" "$out/bench-cores.sh"
  chmod +x "$out/bench-cores.sh"
  echo "packed into $out ($(du -sh "$out" | cut -f1)):"
  ls -l "$out"
}

run() {
  local dir cores t ran=0
  dir="$(cd "$(dirname "$0")" && pwd)"
  cd "$dir"
  [ -x node ] || { xz -dc node.xz > node.tmp && chmod +x node.tmp && mv node.tmp node; }
  [ -x k6 ] || { xz -dc k6.xz > k6.tmp && chmod +x k6.tmp && mv k6.tmp k6; }
  [ -d package ] || tar -xJf chaosgate.tar.xz
  [ -f recorded.json ] || xz -dk recorded.json.xz
  if compgen -G 'wheels/duckdb-*.whl' > /dev/null && [ ! -d duckdb-py ]; then
    python3 -m pip install --no-index --no-deps --target duckdb-py wheels/duckdb-*.whl > /dev/null
  fi
  [ -d duckdb-py ] && export PYTHONPATH="$dir/duckdb-py${PYTHONPATH:+:$PYTHONPATH}"
  export CHAOSGATE_K6_BIN="$dir/k6" CHAOSGATE_BENCH_CLI="$dir/package/dist/cli.mjs"
  export CHAOSGATE_BENCH_DIR="${CHAOSGATE_BENCH_DIR:-$dir}"
  cores="$(nproc)"
  echo "$(uname -srm); $cores cores; $(free -g | awk '/^Mem:/ {print $2 " GB"}'); node $(./node --version); $(./k6 version | head -1)"
  # shellcheck disable=SC2086 # BENCH_ARGS is a list of flags
  for t in ${THREADS:-1 2 4 8 16}; do
    if [ "$t" -gt "$cores" ]; then
      echo "--threads $t: skipped ($cores cores)"
      continue
    fi
    echo "== --threads $t"
    ./node bench/evaluator.mjs --recording recorded.json --points "${POINTS:-10000000}" --threads "$t" --duckdb-threads "$t" \
      --no-live --no-cardinality ${BENCH_ARGS:-} --zones Z --repeat 2 2>> "bench-threads-$t.log"
    ran=1
  done
  [ "$ran" = 1 ] || { echo "bench-cores: no thread count at or below $cores cores" >&2; exit 1; }
  if [ "${LIVE:-1}" = 1 ]; then
    echo "== live and cardinality rows (every core)"
    # shellcheck disable=SC2086
    ./node bench/evaluator.mjs --no-files ${BENCH_ARGS:-} 2>> bench-live.log
  fi
}

case "${1:-}" in
  pack) pack "${2:-}" ;;
  run) run ;;
  *) usage ;;
esac
