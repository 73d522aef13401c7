// Package scoring is leadbot's pure scoring engine: it turns whatever columns a CRM export has
// into features, trains and selects models, scores and explains leads, evaluates honestly and
// decides promotions. It is deterministic for a seed, uses every core (two on the target
// machine), and imports neither Slack nor the database: the glue in cmd/leadbot and store reads
// rows, calls this package, and writes results back.
//
// # Data in
//
// A Frame holds raw CRM values column by column, appended one lead at a time:
//
//	f := scoring.NewFrame([]string{"Lead Source", "Time on website"})   // "" and NA/null/… are missing
//	f.AppendRow([]string{"Reference", "1240"})
//	f.AppendRecord(map[string]string{"Lead Source": "Google", "Country": "India"}) // JSONB attributes: new columns are fine
//
// ReadCSV builds one from a CSV file (BOM, `,`/`;`/tab, quotes). WithFeedback adds rep feedback
// as columns: VoteColumn (net 👍 − 👎, used by the prior only) and one ReasonPrefix+code column per
// reason code, counted per lead, or per account when the rep marked it account-wide.
//
// # Training
//
//	m, rep, err := scoring.Train(ctx, f, labels, weights, scoring.TrainConfig{Kind: scoring.KindAuto, Seed: 1, Drop: leaks})
//
// labels are 1 (won/converted), 0 (lost) or NaN (no outcome yet). Column types are inferred
// (number, category, boolean, date → days since) and can be overridden; missing values stay
// explicit (a missing level, or a missing indicator and a learned missing direction); rare levels
// are pooled into "other"; identifier-like and constant columns are dropped with a note in
// Report.Notes. Train validates on the latest 20 % of leads when time is known (TimeColumn or
// TimeOrdered), else on a stratified 20 %; KindAuto tries three L2 penalties of logistic
// regression (Newton's method, exact) and three shapes of histogram gradient-boosted trees
// (early-stopped), picks by validation ROC AUC, fits Platt calibration on the held-out scores, and
// refits the winner on every labelled row. Rep votes on leads without an outcome become weak labels
// whose weight (0, 0.1, 0.3 or 1) is chosen on validation; data-quality reports never become
// labels. With fewer than MinOutcomes labelled leads or MinPerClass of a class, Train returns a
// clear error, or, when TrainConfig.Prior is set, a transparent prior model (Kind KindPrior,
// Report.UsingPrior, and a note saying how many outcomes there are and how many are needed).
//
// # Scoring and explaining
//
//	p := m.Predict(f)             // calibrated probabilities: 0.3 means 30 %
//	e := m.Explain(f, i)          // or m.ExplainRows(f, rows) for many
//	c.String()                    // "Time on website: 12 s (bottom 5 %)", for each c in e.Contributions
//
// Which factors a rep reads, and in what words, is decided once, in the domain package
// (leadbot.Factors.Top, leadbot.Strength), over the factors stored with each score.
//
// Explanations are per source column (every dummy of "Lead Source" is one factor) and exact:
// Base + Σ Effect equals the model's raw log-odds (exact linear SHAP for logistic regression,
// path-dependent TreeSHAP for trees). The calibrated probability is σ(A·raw + B).
//
// # Storing, comparing, promoting
//
// A Model marshals with encoding/json (format version, kind, fitted encoding, parameters,
// calibration, validation metrics) and loads with Unmarshal. Model.Evaluate measures it on a
// labelled hold-out frame; Promote(champion, challenger, margin) decides, with a reason, whether
// the challenger replaces the champion. ComputeMetrics gives ROC AUC, PR AUC, log loss, Brier,
// precision and lift in the top 10 %, and calibration error for any labels and probabilities.
package scoring
