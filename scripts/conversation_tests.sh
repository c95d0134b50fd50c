#!/usr/bin/env bash
# The conversation-test phase of `make test` (devtools/conversations.py): the real action server on a
# free port, `rasa test core` on every tests/test_*.yml, a replay of all their user messages through
# the real agent (fails on a turn without a reply outside an officer handoff), and a scan of the Rasa
# and action server logs (fails on any ERROR line). Usage: scripts/conversation_tests.sh [FILES...]
set -uo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH="$PWD"
mkdir -p results
exec .venv/bin/python -m devtools.conversations --out results "$@"
