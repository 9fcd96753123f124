"""The app server the HTTP benchmarks run: as deploy/systemd/qingdan-web@.service runs it (a test keeps the two equal).

Two workers for two cores; 16 threads each, because a burst of committees' submissions is committed in groups
(core/groupcommit.py) and a worker's group can only be as large as the requests it holds at once (2 × 8 threads:
groups of about 4; 2 × 16: about 8, and a third less CPU per submission); --reuse-port, so that the kernel spreads
the connections over the workers (see bench/http_throughput.py)."""

WORKERS = 2
THREADS = 16
GUNICORN_FLAGS = ["--reuse-port", "--worker-class", "gthread", "--workers", str(WORKERS), "--threads", str(THREADS)]
DESCRIPTION = f"gunicorn gthread {WORKERS}x{THREADS}, --reuse-port"
