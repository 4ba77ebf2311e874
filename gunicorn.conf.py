"""Gunicorn settings for `make serve` (production: PostgreSQL, Redis); override with env vars.

Sync workers: each request is one short transaction and the work is CPU-bound Python, so
threads would only contend for the GIL. Size WEB_CONCURRENCY to the cores (2 x cores + 1 is the
usual start; on a 2-core machine 4 workers measured best, see docs/benchmarks.md).
"""

import multiprocessing
import os

bind = os.environ.get(
    "BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2)))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# A worker is replaced after this many requests (with jitter), bounding slow memory growth.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# The app logs one JSON line per request itself (app/logs.py); gunicorn logs only errors.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# Behind a reverse proxy the app reads X-Forwarded-For through PROXY_HOPS, not gunicorn.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "app:create_app()"
