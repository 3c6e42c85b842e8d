# The DuckDB peer of the evaluator benchmark: read_ndjson + quantile_disc per metric and tag set
# (the tags the benchmark groups by), 2 threads, on the same file. Prints one JSON line: points,
# wall and CPU seconds, peak RSS, and every series' count and exact p95.
import json, resource, sys, time

import duckdb

path = sys.argv[1]
started = time.time()
con = duckdb.connect()
con.execute("SET threads=2")
rows = con.execute(
    """
    SELECT metric, data.tags.name, data.tags."group", data.tags.scenario, data.tags.method,
           data.tags.status, data.tags.expected_response, count(*), quantile_disc(data.value, 0.95)
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
