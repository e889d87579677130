#!/usr/bin/env bash
# Runs `coverwatch detect` on every labelled file in ../shared/data (shared/eval/PROTOCOL.md): the ICS
# captures in data/pcap with T = 3824 training packets, the IoT-23 Zeek logs in data/iot23 scored
# online with no baseline; then shared/eval/score.mjs on each, printed as one table.
#   scripts/eval-all.sh [OUT_DIR]      (needs ../shared next to the repository; SHARED=... to override)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
OUT="${1:-$(mktemp -d)}"
T=3824
mkdir -p "$OUT"
cd "$ROOT"
detect() { node --import tsx src/cli/main.ts detect "$@"; }

ROWS="$OUT/rows.tsv"
: > "$ROWS"
# file, records, T, scored benign/attack, AUC, TPR@1%, TPR@0.1%, delay, alert TPR/FPR/precision, records/s
row() { # name summary.json metrics.json skip
  node -e '
    const [name, sPath, mPath, skip] = process.argv.slice(1);
    const s = JSON.parse(require("fs").readFileSync(sPath, "utf8"));
    const m = JSON.parse(require("fs").readFileSync(mPath, "utf8"));
    const f = (v) => (v === undefined || v === null ? "-" : String(v));
    console.log([name, s.records, skip, `${m.benign} / ${m.attack}`, f(m.auc), f(m.tpr_at_fpr_1pct),
      f(m.tpr_at_fpr_0_1pct), f(m.first_alarm_delay), f(m.alert_tpr), f(m.alert_fpr), f(m.alert_precision),
      s.alertCount, s.recordsPerSecond].join("\t"));
  ' "$@" >> "$ROWS"
}

for pcap in "$SHARED"/data/pcap/*.pcap; do
  name="$(basename "$pcap" .pcap)"
  echo "detect $name (T = $T)" >&2
  detect "$pcap" --train "$T" --scores "$OUT/$name.scores.csv" --json > "$OUT/$name.summary.json"
  node "$SHARED/eval/score.mjs" --scores "$OUT/$name.scores.csv" \
    --labels "$SHARED/data/pcap/$name.labels.tsv" --skip "$T" --json > "$OUT/$name.metrics.json"
  row "$name" "$OUT/$name.summary.json" "$OUT/$name.metrics.json" "$T"
done

for log in "$SHARED"/data/iot23/*.conn.log; do
  name="$(basename "$log" .conn.log)"
  echo "detect $name (flows, online, no baseline)" >&2
  detect "$log" --scores "$OUT/$name.scores.csv" --json > "$OUT/$name.summary.json"
  node "$SHARED/eval/score.mjs" --scores "$OUT/$name.scores.csv" \
    --labels "$SHARED/data/iot23/$name.labels.csv" --json > "$OUT/$name.metrics.json"
  row "$name" "$OUT/$name.summary.json" "$OUT/$name.metrics.json" 0
done

# The benign Kitsune prefix (tshark TSV) through the flow detector. `detect` on a packet file also
# assembles flows and runs the flow rules, but its summary gives only their counts (summary.flows), and
# this row needs the flow rules' own alert count and flows/s, so detectFlowFile runs here. Every flow is
# benign: the row counts the flows marked alert (the alert FPR) and the alerts.
KIT="$SHARED/data/kitsune/mirai_prefix.pcap.tsv"
if [ -f "$KIT" ]; then
  echo "flows assembled from $(basename "$KIT") (all benign)" >&2
  node --import tsx -e '
    import("./src/modules/detection/index.ts").then(async ({ detectFlowFile }) => {
      const s = await detectFlowFile({ path: process.argv[1] });
      const fpr = s.records ? +(s.alertRecords / s.records).toFixed(5) : 0;
      console.log(["kitsune mirai_prefix (flows)", s.records, 0, `${s.records} / 0`, "-", "-", "-", "-", "-",
        fpr, "-", s.alerts.length, s.flowsPerSecond].join("\t"));
    });
  ' "$KIT" >> "$ROWS"
fi

{
  printf 'file\trecords\tskip\tbenign / attack\tAUC\tTPR@1%%\tTPR@0.1%%\tdelay\talert TPR\talert FPR\talert prec\talerts\trecords/s\n'
  cat "$ROWS"
} | column -t -s $'\t'
echo "scores, summaries and metrics in $OUT"
