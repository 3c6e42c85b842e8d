# A real prometheus-client exporter for the Prometheus probe's test: serves /metrics on the port
# given (both the text format and OpenMetrics, by Accept header) and takes commands on stdin:
#   inc N      the tasks counter (queue="ingestion") by N
#   depth N    the queue depth gauge
#   observe S  one latency observation of S seconds
# It prints "ready" once listening and "ok" after each command.
import sys
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

registry = CollectorRegistry()
tasks = Counter('celery_tasks', 'Tasks done.', ['queue', 'worker'], registry=registry)
depth = Gauge('celery_queue_length', 'Waiting tasks.', ['queue_name'], registry=registry)
weird = Gauge('label_escapes', 'A label value with a quote, a backslash and a newline.', ['v'], registry=registry)
latency = Histogram('task_seconds', 'Task latency.', registry=registry, buckets=(0.1, 1.0))
weird.labels(v='a"b\\c\nd').set(1)
tasks.labels(queue='ingestion', worker='w1')
depth.labels(queue_name='ingestion').set(0)
depth.labels(queue_name='ocr').set(5)

start_http_server(int(sys.argv[1]), addr='127.0.0.1', registry=registry)
print('ready', flush=True)
for line in sys.stdin:
    cmd, _, arg = line.strip().partition(' ')
    if cmd == 'inc':
        tasks.labels(queue='ingestion', worker='w1').inc(float(arg))
    elif cmd == 'depth':
        depth.labels(queue_name='ingestion').set(float(arg))
    elif cmd == 'observe':
        latency.observe(float(arg))
    print('ok', flush=True)
