#!/usr/bin/python3
"""Peers with calibration error, and the time-ordered split peer_baselines.py lacks.

Usage: /usr/bin/python3 peers_drift.py --shared DIR --json FILE [--only cv,time]

Uses the models of ../shared/bench/peer_baselines.py unchanged (LR, HGB, XGB as pipelines, so every
encoding, imputer and scaler is fitted on the training part only) and reports, per data set and
split, ROC AUC and ECE (10 equal-width probability bins, |positives − predicted| / n summed: the
same definition as scoring.ComputeMetrics).
  cv   : 5-fold stratified CV, seed 42, out-of-fold (the same folds as peer_baselines.py)
  time : bank-full without duration, rows in file order (the campaign's time order), earliest 80 %
         train, latest 20 % test
"""
import argparse, json, os, sys, warnings
import numpy as np, pandas as pd
from sklearn.model_selection import StratifiedKFold
from sklearn.metrics import roc_auc_score

warnings.filterwarnings("ignore")


def ece(y, p):
    b = np.clip((p * 10).astype(int), 0, 9)
    return float(sum(abs(y[b == k].sum() - p[b == k].sum()) for k in range(10)) / len(y))


def run(pb, X, y, cat, num, split):
    y = np.asarray(y).astype(int)
    out = {}
    for m, make in pb.MODELS.items():
        pred = np.full(len(y), np.nan)
        if split == "cv":
            folds = StratifiedKFold(5, shuffle=True, random_state=pb.SEED).split(X, y)
        else:
            cut = int(len(y) * 0.8)
            folds = [(np.arange(cut), np.arange(cut, len(y)))]
        for tr, te in folds:
            mdl = make(cat, num)
            mdl.fit(X.iloc[tr], y[tr])
            pred[te] = mdl.predict_proba(X.iloc[te])[:, 1]
        ok = ~np.isnan(pred)
        out[m] = {"auc": float(roc_auc_score(y[ok], pred[ok])), "ece": ece(y[ok], pred[ok])}
        print(f"  {split} {m}: AUC {out[m]['auc']:.4f} ECE {out[m]['ece']:.4f}", file=sys.stderr)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--only", default="cv,time")
    a = ap.parse_args()
    sys.path.insert(0, os.path.join(a.shared, "bench"))
    import peer_baselines as pb
    D = os.path.join(a.shared, "data") + "/"
    only = set(a.only.split(","))
    res = {}
    B = pd.read_csv(D + "bank-full.csv", sep=";")
    yB = (B["y"] == "yes").astype(int)
    catB = ["job", "marital", "education", "default", "housing", "loan", "contact", "month", "poutcome"]
    numB = ["age", "balance", "day", "campaign", "pdays", "previous"]
    XB = pb.prep(B, catB, numB)
    if "time" in only:
        res["bank-time"] = run(pb, XB, yB, catB, numB, "time")
    if "cv" in only:
        L = pd.read_csv(D + "leads_xeducation.csv").replace("Select", np.nan)
        num_L = ["TotalVisits", "Total Time Spent on Website", "Page Views Per Visit"]
        drop = ["Prospect ID", "Lead Number", "Converted", "Tags", "Lead Quality", "Last Activity",
                "Last Notable Activity", "Lead Profile", "Asymmetrique Activity Index",
                "Asymmetrique Profile Index", "Asymmetrique Activity Score", "Asymmetrique Profile Score"]
        const = [c for c in L.columns if L[c].nunique(dropna=False) <= 1]
        catL = [c for c in L.columns if c not in drop + num_L + const]
        res["leads-strict"] = run(pb, pb.prep(L, catL, num_L), L["Converted"], catL, num_L, "cv")
        O = pd.read_csv(D + "online_shoppers_intention.csv")
        yO = O["Revenue"].astype(str).str.upper().eq("TRUE").astype(int)
        catO = ["Month", "OperatingSystems", "Browser", "Region", "TrafficType", "VisitorType", "Weekend"]
        numO = ["Administrative", "Administrative_Duration", "Informational", "Informational_Duration",
                "ProductRelated", "ProductRelated_Duration", "BounceRates", "ExitRates", "PageValues", "SpecialDay"]
        res["shoppers-all"] = run(pb, pb.prep(O, catO, numO), yO, catO, numO, "cv")
        res["bank-cv"] = run(pb, XB, yB, catB, numB, "cv")
    json.dump(res, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
