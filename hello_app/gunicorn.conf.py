"""gunicorn settings for the hello_app container (https://docs.gunicorn.org/en/stable/settings.html).

Every value can be overridden without a rebuild through the environment (ECS task definition):
PORT, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_LOG_LEVEL,
GUNICORN_WORKER_TMP_DIR.

The server writes nothing to the image's filesystem, so the container runs with a read-only root filesystem
(ECS ``readonlyRootFilesystem``), as the unprivileged user 10001:10001 and with every Linux capability dropped:
tests/container/test_container_image.py runs it exactly so.
"""

import os

# Unprivileged port on all interfaces: the task definition and the target groups use it, the ALB listens on 80.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Small on purpose (a Fargate task of 0.25 vCPU): two processes so one can be replaced while the other
# serves, two threads each (the gthread worker) for slow clients.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# SIGTERM (docker stop, ECS task stop) lets in-flight requests finish for at most this long, well inside
# Docker's 10 s stop timeout and ECS's 30 s default stopTimeout; then the workers are killed.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "5"))
timeout = 30
# The ALB reuses connections to its targets for up to its idle timeout (60 s by default); the target must
# keep them longer, or the ALB may send a request on a connection gunicorn just closed (a 502).
keepalive = 75
# Access and error logs to stdout/stderr: the awslogs driver ships them to CloudWatch Logs.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Worker heartbeat files in memory, not on the container's filesystem (read-only in ECS; on a disk a heartbeat
# can block: https://docs.gunicorn.org/en/stable/faq.html#blocking-os-fchmod). /dev/shm is the tmpfs every
# Docker/containerd runtime mounts; a task definition with a linuxParameters.tmpfs mount (Fargate supports it
# since January 2026) can point this at that mount instead.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm")
# No gunicornc control socket (gunicorn >= 25.1): nothing in the container uses it, and the user has no home.
control_socket_disable = True
