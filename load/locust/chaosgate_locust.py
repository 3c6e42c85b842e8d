"""chaosgate's Locust plugin: every request Locust reports becomes k6-format NDJSON samples.

chaosgate runs Locust as `locust -f <your locustfile>,<this file>`; this module adds no User. It
listens to Locust's `request` event and writes, per request, the three samples chaosgate's
evaluator reads from k6 (`http_reqs`, `http_req_duration`, `http_req_failed`), tagged `method`,
`name`, `status`, `url`, `expected_response` (and `error` when it failed), into the file or FIFO
named by CHAOSGATE_LOCUST_OUT. Exceptions in a task (Locust's `user_error`) become
`locust_user_errors` samples. Without CHAOSGATE_LOCUST_OUT (a master in distributed mode) it
writes nothing. On the process that runs the test (local or master) it prints one line when the
test starts, so chaosgate's timeline starts with the load, not with Python's start-up.
"""

import atexit
import json
import os
import sys
import time

import gevent
from locust import events

OUT_ENV = "CHAOSGATE_LOCUST_OUT"
MARK = "chaosgate-locust:"
FLUSH_EVERY_S = 1.0

# k6's Metric lines: the evaluator learns each metric's kind from them (as from k6's own output).
_METRICS = (
    ("http_reqs", "counter", "default"),
    ("http_req_duration", "trend", "time"),
    ("http_req_failed", "rate", "default"),
    ("locust_user_errors", "counter", "default"),
)

_out = None
_counts = {"requests": 0, "user_errors": 0}
_second = -1
_second_text = ""
_tags_cache = {}


def _time_text(t):
    """RFC 3339 in UTC with microseconds, as k6 writes times (the whole second formatted once)."""
    global _second, _second_text
    s = int(t)
    if s != _second:
        _second = s
        _second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s))
    return "%s.%06dZ" % (_second_text, int((t - s) * 1e6))


def _tags_json(tags):
    key = tuple(sorted(tags.items()))
    text = _tags_cache.get(key)
    if text is None:
        text = json.dumps(dict(key), separators=(",", ":"))
        if len(_tags_cache) < 10000:  # URLs with ids: the cache stays bounded
            _tags_cache[key] = text
    return text


def _point(metric, when, value, tags):
    return '{"metric":"%s","type":"Point","data":{"time":"%s","value":%s,"tags":%s}}\n' % (metric, when, value, tags)


def _write(text):
    global _out
    if _out is None:
        return
    try:
        _out.write(text)
    except (BrokenPipeError, OSError) as e:
        # The reader is gone: chaosgate has stopped; stop writing rather than fail every request.
        sys.stderr.write("%s output closed (%s): no more samples\n" % (MARK, e))
        _out = None


def _flusher():
    while _out is not None:
        gevent.sleep(FLUSH_EVERY_S)
        if _out is not None:
            try:
                _out.flush()
            except OSError:
                pass


def _close():
    global _out
    out, _out = _out, None
    if out is not None:
        try:
            out.close()
        except OSError:
            pass
        sys.stderr.write("%s samples requests=%d user_errors=%d\n" % (MARK, _counts["requests"], _counts["user_errors"]))
        sys.stderr.flush()


@events.init.add_listener
def _on_init(environment, **_kwargs):
    global _out
    path = os.environ.get(OUT_ENV)
    if not path:
        return
    # A FIFO's open blocks until chaosgate's reader has it: the reader opens it before Locust starts.
    _out = open(path, "w", encoding="utf-8", buffering=1 << 16)
    for name, kind, contains in _METRICS:
        _write(
            '{"type":"Metric","data":{"name":"%s","type":"%s","contains":"%s","thresholds":[],"submetrics":null},"metric":"%s"}\n'
            % (name, kind, contains, name)
        )
    gevent.spawn(_flusher)


@events.test_start.add_listener
def _on_test_start(environment, **_kwargs):
    from locust.runners import WorkerRunner

    # A zero when the load starts: a gate `locust_user_errors: count==0` has a sample to judge even when nothing raised.
    _write(_point("locust_user_errors", _time_text(time.time()), 0, "{}"))
    if not isinstance(environment.runner, WorkerRunner):
        sys.stderr.write("%s test_start %.6f\n" % (MARK, time.time()))
        sys.stderr.flush()


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length=0, response=None, context=None, exception=None, start_time=None, url=None, **_kwargs):
    if _out is None:
        return
    _counts["requests"] += 1
    # k6 stamps a request's samples with its end; Locust reports its start and its duration.
    end = (start_time + response_time / 1000.0) if start_time is not None else time.time()
    when = _time_text(end)
    status = getattr(response, "status_code", None)
    if url is None:
        url = getattr(response, "url", None)
    error = None if exception is None else ("%s: %s" % (type(exception).__name__, exception))[:120]
    service = context.get("service") if isinstance(context, dict) else None
    if not isinstance(service, str):
        service = None
    # The tag set's JSON once per distinct request shape (most requests repeat one).
    key = (request_type, name, status, url, error, service)
    t = _tags_cache.get(key)
    if t is None:
        tags = {"expected_response": "true" if error is None else "false", "method": str(request_type), "name": str(name)}
        if status is not None:
            tags["status"] = str(status or 0)
        if url:
            tags["url"] = str(url)
        if error is not None:
            tags["error"] = error
        if service is not None:
            tags["service"] = service  # a request's own service tag, as a k6 script's tag
        t = json.dumps(tags, separators=(",", ":"), sort_keys=True)
        if len(_tags_cache) < 10000:  # URLs with ids: the cache stays bounded
            _tags_cache[key] = t
    ok = error is None
    _write(
        _point("http_reqs", when, 1, t)
        + _point("http_req_duration", when, "%.6f" % max(float(response_time or 0), 0.0), t)
        + _point("http_req_failed", when, 0 if ok else 1, t)
    )


@events.user_error.add_listener
def _on_user_error(user_instance, exception, tb, **_kwargs):
    if _out is None:
        return
    _counts["user_errors"] += 1
    tags = _tags_json({"error": type(exception).__name__, "scenario": type(user_instance).__name__})
    _write(_point("locust_user_errors", _time_text(time.time()), 1, tags))


@events.quitting.add_listener
def _on_quitting(environment, **_kwargs):
    _close()


atexit.register(_close)  # a worker that ends without Locust's quitting event still flushes its samples
