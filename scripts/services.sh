#!/usr/bin/env bash
# Make sure the local PostgreSQL and Redis used by the tests are up (CI machines start them, but a
# stopped one is restarted here). Without them the tests that need them skip, except with CI=true.
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start 2>/dev/null || true
fi
if ! redis_up && command -v redis-server >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null 2>&1 || true
fi
for _ in $(seq 1 20); do pg_up && redis_up && break; sleep 0.5; done
pg_up && echo "PostgreSQL: up" || echo "PostgreSQL: not available (its tests skip unless CI=true)"
redis_up && echo "Redis: up" || echo "Redis: not available (its tests skip unless CI=true)"
exit 0
