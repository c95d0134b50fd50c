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

"$BIN/rasa" run actions --port "$ACTIONS_PORT" --actions actions > var/actions.log 2>&1 &
ACTIONS_PID=$!
trap 'kill $ACTIONS_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if curl -fsS "http://localhost:$ACTIONS_PORT/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 $ACTIONS_PID 2>/dev/null; then echo "action server failed, see var/actions.log" >&2; exit 1; fi
  sleep 0.5
done

CREDENTIALS=credentials.yml
if [ -n "${ZALO_OA_ID:-}" ] || [ -n "${ZALO_ACCOUNTS_FILE:-}" ]; then
  CREDENTIALS=credentials.zalo.yml
  echo "Zalo channel enabled: webhook at http://localhost:$RASA_PORT/webhooks/zalo/webhook"
fi

if [ "$MODE" = shell ]; then
  "$BIN/rasa" shell --model models --endpoints endpoints.yml
else
  echo "Assistant on http://localhost:$RASA_PORT (REST: POST /webhooks/rest/webhook)"
  "$BIN/rasa" run --model models --port "$RASA_PORT" --endpoints endpoints.yml \
    --credentials "$CREDENTIALS"
fi
