#!/usr/bin/env bash
# Start the action server, wait until it answers, then the Rasa server (and, for `make shell`,
# the chat client devtools/chat.py; with `make run` already up it just chats with that one).
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

# `make run` then `make shell` (default ports): the shell chats with the assistant already running.
if [ "$MODE" = shell ] && curl -fsS --max-time 3 "http://localhost:$RASA_PORT/" 2>/dev/null | grep -q "Hello from Rasa"; then
  echo "Chatting with the assistant already running on port $RASA_PORT."
  exec "$BIN/python" -m devtools.chat "http://localhost:$RASA_PORT"
fi
# Rasa exits 0 when its port is taken: check both ports first and fail loudly.
for var in RASA_PORT ACTIONS_PORT; do
  if ! "$BIN/python" -m devtools.ports "${!var}"; then
    echo "error: port ${!var} ($var) is already in use (another 'make run'?); choose another, e.g. $var=$(( ${!var} + 10 )) make $MODE" >&2
    exit 1
  fi
done

if [ -n "$PRODUCTION" ]; then
  # Production: reports, handoffs and the Zalo inbox and tokens in the same PostgreSQL database as
  # the conversations, so that several nodes share them (docs/zalo.md § 14). Set before the
  # action server starts; attachments go to REPORTS_ATTACHMENTS_DIR (a directory every node mounts).
  PG_URL="postgresql://${TRACKER_DB_USER:-postgres}${TRACKER_DB_PASSWORD:+:$TRACKER_DB_PASSWORD}@${TRACKER_DB_HOST:-127.0.0.1}:${TRACKER_DB_PORT:-5432}/${TRACKER_DB_NAME:-zalo_an_ninh}"
  export REPORTS_DB_URL=${REPORTS_DB_URL:-$PG_URL} ZALO_DB_URL=${ZALO_DB_URL:-$PG_URL}
  TRACKER_DB_LOGIN_DB=${TRACKER_DB_LOGIN_DB:-postgres} "$BIN/python" scripts/prepare_db.py
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

# The officers' console (python -m anninh.console), next to the assistant; stopped on exit too.
CONSOLE_PID=
if [ "$MODE" = run ]; then
  export CONSOLE_PORT=${CONSOLE_PORT:-8080}
  "$BIN/python" -m anninh.console > var/console.log 2>&1 &
  CONSOLE_PID=$!
  trap 'kill $ACTIONS_PID $CONSOLE_PID 2>/dev/null || true' EXIT
  echo "Officers' console on http://localhost:$CONSOLE_PORT (log: var/console.log)"
  echo "  first administrator: $BIN/python -m anninh.officer create-admin"
fi

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
  # A Rasa server on RASA_PORT and our chat client (rasa shell cuts off answers with buttons).
  "$BIN/rasa" run --model models --port "$RASA_PORT" --endpoints "$ENDPOINTS" \
    --credentials "$CREDENTIALS" > var/shell-rasa.log 2>&1 &
  RASA_PID=$!
  trap 'kill $RASA_PID $ACTIONS_PID 2>/dev/null || true' EXIT
  echo "Loading the model (log: var/shell-rasa.log)…"
  until curl -fsS --max-time 3 "http://localhost:$RASA_PORT/" >/dev/null 2>&1; do
    if ! kill -0 $RASA_PID 2>/dev/null; then
      echo "error: the Rasa server stopped, see var/shell-rasa.log:" >&2; tail -20 var/shell-rasa.log >&2; exit 1
    fi
    sleep 0.5
  done
  "$BIN/python" -m devtools.chat "http://localhost:$RASA_PORT"
else
  echo "Assistant on http://localhost:$RASA_PORT (metrics: /metrics, health: /health/live, /health/ready)"
  # `rasa run`, without the model in this process when the Zalo turn processes hold it (docs/zalo.md § 10)
  "$BIN/python" -m channels.zalo.serve --model models --port "$RASA_PORT" --endpoints "$ENDPOINTS" \
    --credentials "$CREDENTIALS"
fi
