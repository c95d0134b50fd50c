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

if [ "${RASA_WORKERS:-1}" != 1 ] || [ "${RASA_ENDPOINTS:-}" = production ]; then
  # Production: reports, handoffs and the Zalo inbox and tokens in the same PostgreSQL database as
  # the conversations, so that several nodes share them (docs/zalo.md § 11). Set before the
  # action server starts; attachments go to REPORTS_ATTACHMENTS_DIR (a directory every node mounts).
  PG_URL="postgresql://${TRACKER_DB_USER:-postgres}${TRACKER_DB_PASSWORD:+:$TRACKER_DB_PASSWORD}@${TRACKER_DB_HOST:-127.0.0.1}:${TRACKER_DB_PORT:-5432}/${TRACKER_DB_NAME:-zalo_an_ninh}"
  export REPORTS_DB_URL=${REPORTS_DB_URL:-$PG_URL} ZALO_DB_URL=${ZALO_DB_URL:-$PG_URL}
  TRACKER_DB_LOGIN_DB=${TRACKER_DB_LOGIN_DB:-postgres} "$BIN/python" scripts/prepare_db.py
fi

"$BIN/rasa" run actions --port "$ACTIONS_PORT" --actions actions > var/actions.log 2>&1 &
ACTIONS_PID=$!
trap 'kill $ACTIONS_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if curl -fsS "http://localhost:$ACTIONS_PORT/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 $ACTIONS_PID 2>/dev/null; then echo "action server failed, see var/actions.log" >&2; exit 1; fi
  sleep 0.5
done

ENDPOINTS=endpoints.yml
if [ "$ACTIONS_PORT" != 5055 ]; then
  # endpoints.yml names the action server on its default port: use a copy that names this one.
  sed "s#http://localhost:5055/webhook#http://localhost:$ACTIONS_PORT/webhook#" endpoints.yml > var/endpoints.yml
  ENDPOINTS=var/endpoints.yml
fi
WORKERS=${RASA_WORKERS:-1}
if [ "$WORKERS" != 1 ] || [ "${RASA_ENDPOINTS:-}" = production ]; then
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
fi

if [ "$MODE" = shell ]; then
  "$BIN/rasa" shell --model models --endpoints "$ENDPOINTS"
else
  echo "Assistant on http://localhost:$RASA_PORT (REST: POST /webhooks/rest/webhook)"
  "$BIN/rasa" run --model models --port "$RASA_PORT" --endpoints "$ENDPOINTS" \
    --credentials "$CREDENTIALS"
fi
