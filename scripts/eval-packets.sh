#!/usr/bin/env bash
# Packet detector evaluation per shared/eval/PROTOCOL.md: scores both labelled ICS captures with
# T = 3824 training packets and prints score.mjs's metrics, then the alert rate on the benign Kitsune
# trace (default training: a fifth of the file).
#   scripts/eval-packets.sh [OUT_DIR]      (needs ../shared next to the repository)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
OUT="${1:-$(mktemp -d)}"
mkdir -p "$OUT"
RUNNER="$OUT/run-detect.mts"
cat > "$RUNNER" <<TS
import { writeFileSync } from 'node:fs';
import { detectPacketFile, SCORE_CSV_HEADER, scoreRow } from '$ROOT/src/modules/detection';
const [path, out, train] = process.argv.slice(2);
const rows = [SCORE_CSV_HEADER];
const s = await detectPacketFile({ path, train: train ? Number(train) : undefined, onRow: (id, sc, al) => rows.push(scoreRow(id, sc, al)) });
writeFileSync(out, rows.join('\n') + '\n');
const { alerts, ...summary } = s;
console.log(JSON.stringify({ ...summary, alerts: alerts.length, alertRate: +(s.alertPackets / s.scored).toFixed(5) }));
TS
cd "$ROOT"
for name in lemay_DERIVED_benign_then_characterization lemay_send_a_fake_command_modbus_6RTU; do
  echo "== $name (T = 3824)"
  npx tsx "$RUNNER" "$SHARED/data/pcap/$name.pcap" "$OUT/$name.scores.csv" 3824
  node "$SHARED/eval/score.mjs" --scores "$OUT/$name.scores.csv" --labels "$SHARED/data/pcap/$name.labels.tsv" --skip 3824
done
echo "== mirai_prefix.pcap.tsv (all benign, default training)"
npx tsx "$RUNNER" "$SHARED/data/kitsune/mirai_prefix.pcap.tsv" "$OUT/mirai_prefix.scores.csv"
echo "scores in $OUT"
