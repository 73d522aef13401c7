#!/usr/bin/env bash
# Benchmarks the scoring engine against scikit-learn and XGBoost on the shared data, in one run.
#
#   bash bench/scoring/run.sh            quality table (CV, and bank-full time-ordered 80/20 with ECE),
#                                        GBDT train time vs XGBoost, predict/explain speed
#   bash bench/scoring/run.sh --memory   also training memory on 1,000,000 leads × 50 columns (minutes)
#   bash bench/scoring/run.sh --tags     also the Tags replay (model alone / tags alone / both)
#
# Needs Go and, for the peers, Debian's python3-sklearn python3-pandas python3-xgboost.
# Skips (exit 0) when ../shared beside the repository is absent.
set -euo pipefail
ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
SHARED=${SHARED:-$ROOT/../shared}
DATA=$SHARED/data
if [ ! -f "$DATA/bank-full.csv" ]; then
	echo "bench/scoring: skipped: no benchmark data at $DATA"
	exit 0
fi
MEMORY=0 TAGS=0
for a in "$@"; do
	case $a in
	--memory) MEMORY=1 ;;
	--tags) TAGS=1 ;;
	*) echo "usage: $0 [--memory] [--tags]" >&2; exit 2 ;;
	esac
done
PY=/usr/bin/python3
if ! $PY -c 'import sklearn, pandas, xgboost' 2>/dev/null; then
	echo "bench/scoring: the peers need: apt-get install -y python3-sklearn python3-pandas python3-xgboost" >&2
	exit 1
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
cd "$ROOT"
go build -o "$OUT/leadbot-eval" ./bench/scoring/eval

LEADS_IDS="Prospect ID,Lead Number"
LEADS_REP="Tags,Lead Quality"
LEADS_POST="Last Activity,Last Notable Activity,Lead Profile,Asymmetrique Activity Index,Asymmetrique Profile Index,Asymmetrique Activity Score,Asymmetrique Profile Score"
run_eval() { # name, then eval flags
	local name=$1
	shift
	echo "ours: $name" >&2
	"$OUT/leadbot-eval" --model auto --json "$@" >"$OUT/ours-$name.json" 2>"$OUT/ours-$name.log"
}
run_eval leads-strict --data "$DATA/leads_xeducation.csv" --target Converted --missing Select --drop "$LEADS_IDS,$LEADS_REP,$LEADS_POST"
run_eval leads-noTags --data "$DATA/leads_xeducation.csv" --target Converted --missing Select --drop "$LEADS_IDS,$LEADS_REP"
run_eval shoppers-all --data "$DATA/online_shoppers_intention.csv" --target Revenue
run_eval shoppers-noPV --data "$DATA/online_shoppers_intention.csv" --target Revenue --drop PageValues
run_eval bank-noDuration --data "$DATA/bank-full.csv" --target y --drop duration
run_eval bank-time --data "$DATA/bank-full.csv" --target y --drop duration --split time

echo "peers: calibration and the time-ordered split (bench/scoring/peers_drift.py)" >&2
$PY "$ROOT/bench/scoring/peers_drift.py" --shared "$SHARED" --json "$OUT/peers-drift.json" 2>"$OUT/peers-drift.log"

echo "peers: peer_baselines.py" >&2
$PY "$SHARED/bench/peer_baselines.py" --data "$DATA" --json "$OUT/peers.json" >"$OUT/peers.log"

echo "speed: GBDT training on bank-full, ours vs XGBoost hist (2 threads, 300 trees, depth 6)" >&2
$PY - "$DATA/bank-full.csv" >"$OUT/xgb-time.txt" <<'PYEOF'
import sys, time, pandas as pd, xgboost as xgb
from sklearn.preprocessing import OneHotEncoder
from sklearn.compose import ColumnTransformer
B = pd.read_csv(sys.argv[1], sep=";")
y = (B["y"] == "yes").astype(int)
cat = ["job", "marital", "education", "default", "housing", "loan", "contact", "month", "poutcome"]
num = ["age", "balance", "day", "campaign", "pdays", "previous"]
best, cpu = 1e9, 1e9
for _ in range(3):
    t, c = time.perf_counter(), time.process_time()
    X = ColumnTransformer([("c", OneHotEncoder(handle_unknown="ignore"), cat), ("n", "passthrough", num)]).fit_transform(B[cat + num])
    xgb.XGBClassifier(n_estimators=300, max_depth=6, learning_rate=0.05, subsample=0.8, colsample_bytree=0.8,
                      tree_method="hist", n_jobs=2, random_state=42).fit(X, y)
    best, cpu = min(best, time.perf_counter() - t), min(cpu, time.process_time() - c)
print(best, cpu)
PYEOF
SHARED=$SHARED go test -run '^$' -bench 'TrainBankFull|Predict1M|Explain10k' -benchtime 3x ./scoring >"$OUT/gobench.txt"

$PY - "$OUT" <<'PYEOF'
import json, re, sys, os
out = sys.argv[1]
peers = {r["name"]: r["results"] for r in json.load(open(os.path.join(out, "peers.json")))}
sets = [("leads-strict", "leads: strict pre-contact"), ("leads-noTags", "leads: without Tags/Lead Quality"),
        ("shoppers-all", "shoppers: all features"), ("shoppers-noPV", "shoppers: without PageValues"),
        ("bank-noDuration", "bank-full: without duration")]
print("\nQuality: out-of-fold ROC AUC, 5-fold stratified CV (ours: leadbot eval --model auto; peers: peer_baselines.py)")
print(f"{'data, feature set':36s} {'ours':>7s} {'model':>7s} {'LR':>7s} {'HGB':>7s} {'XGB':>7s} {'best peer':>10s} {'ratio':>7s}  verdict")
for key, name in sets:
    o = json.load(open(os.path.join(out, f"ours-{key}.json")))
    p = peers[name]
    bname, bauc = max(((m, r["auc"]) for m, r in p.items()), key=lambda t: t[1])
    ok = "reached" if o["auc"] >= bauc else "BELOW"
    print(f"{name:36s} {o['auc']:7.4f} {o['model']:>7s} {p['LR']['auc']:7.4f} {p['HGB']['auc']:7.4f} {p['XGB']['auc']:7.4f} "
          f"{bauc:7.4f} {bname:>3s} {o['auc']/bauc:7.4f}  {ok}")
drift = json.load(open(os.path.join(out, "peers-drift.json")))
print("\nCalibration and drift: ROC AUC / ECE (10 equal-width bins), ours (eval) beside each peer (peers_drift.py)")
print(f"{'split':40s} {'ours':>15s} {'LR':>15s} {'HGB':>15s} {'XGB':>15s}  AUC vs best peer   ECE vs best peer")
for key, pk, name in [("leads-strict", "leads-strict", "leads strict, 5-fold CV"), ("shoppers-all", "shoppers-all", "shoppers all, 5-fold CV"),
                      ("bank-noDuration", "bank-cv", "bank-full no duration, 5-fold CV"),
                      ("bank-time", "bank-time", "bank-full no duration, time 80/20")]:
    o = json.load(open(os.path.join(out, f"ours-{key}.json")))
    p = drift[pk]
    cell = lambda a, e: f"{a:.4f}/{e:.4f}"
    ba = max(r["auc"] for r in p.values())
    be = min(r["ece"] for r in p.values())
    print(f"{name:40s} {cell(o['auc'], o['ece']):>15s} {cell(p['LR']['auc'], p['LR']['ece']):>15s} {cell(p['HGB']['auc'], p['HGB']['ece']):>15s} "
          f"{cell(p['XGB']['auc'], p['XGB']['ece']):>15s}  {o['auc']/ba:6.4f} {'reached' if o['auc'] >= ba else 'BELOW':>7s}  "
          f"{o['ece']:.4f} vs {be:.4f} {'no worse' if o['ece'] <= be else 'WORSE'}")
bench = open(os.path.join(out, "gobench.txt")).read()
def metric(name, unit):
    m = re.search(name + r"\S*\s+\d+\s+\d+ ns/op.*?([\d.]+) " + re.escape(unit), bench)
    return float(m.group(1)) if m else float("nan")
ours, ourcpu = metric("BenchmarkTrainBankFull", "best-s/train"), metric("BenchmarkTrainBankFull", "cpu-s/train")
xgbt, xgbcpu = map(float, open(os.path.join(out, "xgb-time.txt")).read().split())
print(f"\nSpeed: GBDT training on bank-full (45,211 rows, 300 trees, depth 6, eta 0.05, subsample/colsample 0.8, encoding included)")
print(f"  wall: ours {ours:.2f} s (best of 3)  XGBoost hist 2 threads {xgbt:.2f} s (best of 3)  ratio ours/XGBoost {ours/xgbt:.2f}  ({'faster or equal' if ours <= xgbt else 'SLOWER'})")
print(f"  CPU:  ours {ourcpu:.2f} s (mean)  XGBoost {xgbcpu:.2f} s  ratio {ourcpu/xgbcpu:.2f}  (CPU time does not depend on what else runs on the machine)")
print(f"  predict 1,000,000 leads × 50 columns: {metric('BenchmarkPredict1M', 's/1M'):.2f} s wall, {metric('BenchmarkPredict1M', 'cpu-s/1M'):.2f} s CPU (target < 2 s wall)")
print(f"  explain 10,000 leads (TreeSHAP): {metric('BenchmarkExplain10k', 's/10k'):.2f} s wall, {metric('BenchmarkExplain10k', 'cpu-s/10k'):.2f} s CPU (target < 2 s wall)")
print(f"  machine load while measuring: {open('/proc/loadavg').read().split()[0]} (2 cores)")
PYEOF

if [ "$MEMORY" = 1 ]; then
	echo "memory: training on 1,000,000 leads × 50 columns" >&2
	go test -run '^$' -bench TrainMemory1Mx50 -benchtime 1x -timeout 30m ./scoring | grep -E 'peak-MiB|^ok|FAIL'
fi
if [ "$TAGS" = 1 ]; then
	echo
	go run ./bench/scoring/tagsreplay --data "$DATA/leads_xeducation.csv" 2>/dev/null
fi
