#!/usr/bin/env bash
# The whole test suite (`make test`, which first validates content and trains the model).
# 1. pytest (two workers; PYTEST_WORKERS=N to change): units, content, actions, NLU components, Zalo
#    connector, reports, integration.
# 2. conversation tests tests/test_*.yml (scripts/conversation_tests.sh): rasa test, a replay through
#    the real action server (no silent turn), no ERROR line in the Rasa or action server logs.
# 3. held-out NLU accuracy: fails below 0.95 overall or 0.95 without diacritics.
# 4. multi-turn held-out conversations (tests/multiturn_heldout.yml): fails below 0.90 fully correct.
# Each phase is one `phase NAME COMMAND...` line; the output ends with one line per phase
# (passed/FAILED, seconds) and a verdict.
set -uo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH="$PWD"
BIN=.venv/bin
MODEL=models/zalo-an-ninh.tar.gz
status=0
SUMMARY=()

# phase NAME COMMAND...: run one phase; its result and time go into the summary at the end.
phase() {
  local name=$1 start=$SECONDS result=passed
  shift
  echo "== $name"
  "$@" || { result=FAILED; status=1; }
  SUMMARY+=("$(printf '%-34s %-7s %5ds' "$name" "$result" $((SECONDS - start)))")
}


phase "services" bash scripts/services.sh
# Two workers (pytest-xdist), each taking whole test files, so a file's servers start once; most
# integration tests wait on other processes, so two workers fit a two-core machine.
phase "pytest" "$BIN/python" -m pytest -q -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" --dist loadfile
phase "conversation tests" bash scripts/conversation_tests.sh
phase "held-out NLU accuracy" \
  "$BIN/python" scripts/eval_nlu.py --model "$MODEL" --min-overall 0.95 --min-plain 0.95
phase "multi-turn held-out conversations" \
  "$BIN/python" scripts/eval_multiturn.py --model "$MODEL" --min-full 0.90

echo "== summary"
printf '%s\n' "${SUMMARY[@]}"
if [ $status -eq 0 ]; then echo "VERDICT: all phases passed"; else echo "VERDICT: FAILED"; fi
exit $status
