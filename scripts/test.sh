#!/usr/bin/env bash
# The whole test suite (`make test`, which first validates content and trains the model).
# 1. pytest: units, content, actions, NLU components, Zalo connector, reports, integration.
# 2. rasa test: the conversation tests tests/test_*.yml against the trained model.
# 3. held-out NLU accuracy: fails below 0.92 overall or 0.90 without diacritics.
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

conversation_tests() {
  local rc=0 f name
  mkdir -p results
  for f in tests/test_*.yml; do
    name=$(basename "$f" .yml)
    if "$BIN/rasa" test core --model "$MODEL" --stories "$f" --out "results/$name" \
        --fail-on-prediction-errors --quiet > "results/$name.log" 2>&1; then
      echo "passed: $f"
    else
      rc=1
      echo "FAILED: $f (see results/$name/failed_test_stories.yml)"
      head -60 "results/$name/failed_test_stories.yml" 2>/dev/null
    fi
  done
  return $rc
}

phase "services" bash scripts/services.sh
phase "pytest" "$BIN/python" -m pytest -q -p no:cacheprovider
phase "conversation tests (rasa test)" conversation_tests
phase "held-out NLU accuracy" \
  "$BIN/python" scripts/eval_nlu.py --model "$MODEL" --min-overall 0.92 --min-plain 0.90

echo "== summary"
printf '%s\n' "${SUMMARY[@]}"
if [ $status -eq 0 ]; then echo "VERDICT: all phases passed"; else echo "VERDICT: FAILED"; fi
exit $status
