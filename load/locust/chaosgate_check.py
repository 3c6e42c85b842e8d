"""chaosgate's check of a locustfile before any load: `python chaosgate_check.py LOCUSTFILE`.

Compiles it (a syntax error is named file:line), imports it the way Locust does (its own
load_locustfile), and prints one JSON line: the User classes, the LoadTestShape if any, and the
shape's planned length, found by calling its tick() on a simulated clock (one tick a second, as
Locust's shape worker does) until it returns None. Exit 0 with the JSON, 3 with {"problem": ...}
for a locustfile that cannot load, 4 when Locust itself cannot be imported.
"""

import json
import os
import sys
import traceback

MAX_SIMULATED_S = 7 * 24 * 3600


def emit(obj, code):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()
    os._exit(code)  # no atexit work of the locustfile's imports


def where(path, exc):
    """file:line of the innermost frame in the locustfile (else the last frame)."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if os.path.abspath(f.filename) == os.path.abspath(path)]
    f = (mine or frames or [None])[-1]
    return "%s:%s" % (f.filename, f.lineno) if f else path


def shape_length(shape):
    clock = [0.0]
    shape.get_run_time = lambda: clock[0]
    shape.reset_time = lambda: None
    for s in range(MAX_SIMULATED_S + 1):
        clock[0] = float(s)
        try:
            tick = shape.tick()
        except Exception as e:  # e.g. it reads self.runner, which only a running test has
            return None, "its tick() raised %s outside a run (%s)" % (type(e).__name__, e)
        if tick is None:
            return s * 1000, None
    return None, "its tick() did not return None within %d simulated days" % (MAX_SIMULATED_S // 86400)


def main():
    path = sys.argv[1]
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as e:
        emit({"problem": "%s: cannot read the locustfile (%s)" % (path, e.strerror or e)}, 3)
    try:
        compile(source, path, "exec")
    except SyntaxError as e:
        emit({"problem": "%s:%s: %s: %s" % (e.filename or path, e.lineno, type(e).__name__, e.msg)}, 3)
    try:
        from locust.util.load_locustfile import load_locustfile
    except Exception as e:
        emit({"problem": "Locust cannot be imported by %s (%s: %s)" % (sys.executable, type(e).__name__, e)}, 4)
    try:
        users, shapes = load_locustfile(path)
    except BaseException as e:  # SystemExit too: a module-level sys.exit is no locustfile
        emit({"problem": "%s: importing the locustfile raised %s: %s" % (where(path, e), type(e).__name__, e)}, 3)
    shape = shapes[0] if shapes else None
    length, why = shape_length(shape) if shape is not None else (None, None)
    emit(
        {
            "users": sorted(users),
            "shape": type(shape).__name__ if shape is not None else None,
            "shapeUsesCommonOptions": bool(getattr(shape, "use_common_options", False)),
            "shapeMs": length,
            "shapeNote": why,
        },
        0,
    )


if __name__ == "__main__":
    main()
