# The DuckDB peer of the evaluator benchmark: read_ndjson + quantile_cont per metric and tag set
# (the tags the benchmark groups by), 2 threads (CHAOSGATE_DUCKDB_THREADS), on the same file.
# quantile_cont interpolates at rank p·(n−1), k6's p(N), which the evaluator now computes
# (quantile_disc, the nearest sample, it no longer matches). Prints one JSON line: points, wall
# and CPU seconds, peak RSS, and every series' count and exact p95.
import json, os, resource, sys, time

import duckdb

path = sys.argv[1]
started = time.time()
con = duckdb.connect()
con.execute(f"SET threads={int(os.environ.get('CHAOSGATE_DUCKDB_THREADS', '2'))}")
rows = con.execute(
    """
    SELECT metric, data.tags.name, data.tags."group", data.tags.scenario, data.tags.method,
           data.tags.status, data.tags.expected_response, count(*), quantile_cont(data.value, 0.95)
    FROM read_ndjson(?, columns={'metric': 'VARCHAR', 'type': 'VARCHAR', 'data': 'STRUCT(value DOUBLE, tags STRUCT(name VARCHAR, "group" VARCHAR, scenario VARCHAR, method VARCHAR, status VARCHAR, expected_response VARCHAR))'})
    WHERE type = 'Point'
    GROUP BY ALL
    """,
    [path],
).fetchall()
seconds = time.time() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
keys = ["name", "group", "scenario", "method", "status", "expected_response"]
series = [
    {"metric": r[0], "tags": {k: v for k, v in zip(keys, r[1:7]) if v is not None}, "count": r[7], "p95": r[8]}
    for r in rows
]
print(json.dumps({
    "mode": "duckdb",
    "points": sum(s["count"] for s in series),
    "series": len(series),
    "seconds": seconds,
    "cpuSeconds": usage.ru_utime + usage.ru_stime,
    "maxRssMb": usage.ru_maxrss / 1024,
    "p95": series,
}))
