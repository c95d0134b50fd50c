#!/usr/bin/env bash
# Start the action server, wait until it answers, then the Rasa server (or `rasa shell`).
# Used by `make run` / `make shell`; stops the action server when Rasa exits.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH="$PWD"
BIN=.venv/bin
MODE=${1:-run}
RASA_PORT=${RASA_PORT:-5005}
ACTIONS_PORT=${ACTIONS_PORT:-5055}
mkdir -p var
WORKERS=${RASA_WORKERS:-1}
PRODUCTION=
if [ "$WORKERS" != 1 ] || [ "${RASA_ENDPOINTS:-}" = production ]; then PRODUCTION=1; fi
if [ -n "$PRODUCTION" ] && [ -z "${ACTIONS_SHARED_SECRET:-}" ]; then
  # endpoints.production.yml sends it; the action server then refuses calls without it (docs/zalo.md § 12).
  ACTIONS_SHARED_SECRET=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(32))')
  export ACTIONS_SHARED_SECRET
fi

# Listens on ACTIONS_HOST (default 127.0.0.1); requires ACTIONS_SHARED_SECRET on any other interface.
"$BIN/python" -m anninh.action_server --port "$ACTIONS_PORT" > var/actions.log 2>&1 &
ACTIONS_PID=$!
trap 'kill $ACTIONS_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if curl -fsS "http://localhost:$ACTIONS_PORT/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 $ACTIONS_PID 2>/dev/null; then echo "action server failed, see var/actions.log" >&2; exit 1; fi
  sleep 0.5
done

ENDPOINTS=endpoints.yml
if [ "$ACTIONS_PORT" != 5055 ] || [ -n "${ACTIONS_SHARED_SECRET:-}" ]; then
  # endpoints.yml names the action server on its default port and sends no secret: use a copy
  # that names this one (and sends the secret the operator set).
  sed "s#http://localhost:5055/webhook#http://localhost:$ACTIONS_PORT/webhook#" endpoints.yml > var/endpoints.yml
  if [ -n "${ACTIONS_SHARED_SECRET:-}" ]; then
    sed -i '/^  url: .*\/webhook"$/a\  headers:\n    X-Actions-Secret: ${ACTIONS_SHARED_SECRET}' var/endpoints.yml
  fi
  ENDPOINTS=var/endpoints.yml
fi
if [ -n "$PRODUCTION" ]; then
  # Several worker processes share conversations through PostgreSQL and Redis (endpoints.production.yml).
  ENDPOINTS=endpoints.production.yml
  export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://localhost:$ACTIONS_PORT/webhook}
  export TRACKER_DB_HOST=${TRACKER_DB_HOST:-127.0.0.1} TRACKER_DB_PORT=${TRACKER_DB_PORT:-5432}
  export TRACKER_DB_NAME=${TRACKER_DB_NAME:-zalo_an_ninh} TRACKER_DB_USER=${TRACKER_DB_USER:-postgres}
  export TRACKER_DB_PASSWORD=${TRACKER_DB_PASSWORD:-} TRACKER_DB_LOGIN_DB=${TRACKER_DB_LOGIN_DB:-postgres}
  export LOCK_STORE_REDIS_HOST=${LOCK_STORE_REDIS_HOST:-127.0.0.1} LOCK_STORE_REDIS_PORT=${LOCK_STORE_REDIS_PORT:-6379}
  export LOCK_STORE_REDIS_DB=${LOCK_STORE_REDIS_DB:-1} LOCK_STORE_REDIS_PASSWORD=${LOCK_STORE_REDIS_PASSWORD:-}
  export LOCK_STORE_KEY_PREFIX=${LOCK_STORE_KEY_PREFIX:-zaloanninh}
  export SANIC_WORKERS=$WORKERS
  echo "$WORKERS worker processes; conversations in PostgreSQL $TRACKER_DB_HOST:$TRACKER_DB_PORT/$TRACKER_DB_NAME, locks in Redis $LOCK_STORE_REDIS_HOST:$LOCK_STORE_REDIS_PORT"
fi

CREDENTIALS=credentials.yml
if [ -n "${ZALO_OA_ID:-}" ] || [ -n "${ZALO_ACCOUNTS_FILE:-}" ]; then
  CREDENTIALS=credentials.zalo.yml
  echo "Zalo channel enabled: webhook at http://localhost:$RASA_PORT/webhooks/zalo/webhook"
  if [ "${REST_CHANNEL_ENABLED:-false}" = true ]; then
    # The REST channel answers anyone who can reach the server: off next to Zalo unless asked for.
    { echo "rest:"; cat credentials.zalo.yml; } > var/credentials.yml
    CREDENTIALS=var/credentials.yml
    echo "REST channel enabled (REST_CHANNEL_ENABLED=true)"
  fi
fi

if [ "$MODE" = shell ]; then
  "$BIN/rasa" shell --model models --endpoints "$ENDPOINTS"
else
  echo "Assistant on http://localhost:$RASA_PORT (metrics: /metrics, health: /health/live, /health/ready)"
  "$BIN/rasa" run --model models --port "$RASA_PORT" --endpoints "$ENDPOINTS" \
    --credentials "$CREDENTIALS"
fi
