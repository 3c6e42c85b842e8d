# A real Celery app for the end-to-end tests: `work(ms)` sleeps ms milliseconds on the queue
# `ingestion`. `python3 celery_app.py web PORT` also serves GET /enqueue?ms=N (202, the task id),
# which calls work.delay: a real Celery producer, as a Django view would.
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from celery import Celery

app = Celery('celery_app', broker=os.environ['CELERY_BROKER_URL'])
app.conf.task_routes = {'celery_app.work': {'queue': 'ingestion'}}
app.conf.worker_prefetch_multiplier = 2
app.conf.broker_connection_retry_on_startup = True


@app.task
def work(ms):
    time.sleep(ms / 1000)
    return ms


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        if url.path != '/enqueue':
            self.send_response(404)
            self.end_headers()
            return
        ms = int(parse_qs(url.query).get('ms', ['20'])[0])
        task = work.delay(ms)
        body = task.id.encode()
        self.send_response(202)
        self.send_header('content-length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == '__main__' and sys.argv[1:2] == ['web']:
    server = ThreadingHTTPServer(('127.0.0.1', int(sys.argv[2])), Handler)
    print('ready', flush=True)
    server.serve_forever()
