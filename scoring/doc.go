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
// Report.Notes.
//
// The linear model never clips a number: a value held by at least 10 % of the rows at the edge
// of the range (pdays = −1 or 999) is a sentinel with its own indicator, a heavy-tailed column is
// seen through sign(u)·log(1+|u|) of its robust z-score u, and later values beyond the training
// range keep moving the score. An integer column with 3 to 31 distinct values (a weekday, an OS
// code) is tried both as a number and as a category, and validation chooses. Unseen values are
// handled explicitly: a category level (or integer code) never seen in training, or too rare to
// keep, maps to the reserved level "other", whose weight is learnt from the rare levels pooled
// there (and is the penalty's zero, close to the average lead, when there were none); a number
// outside the range is extrapolated by the transform, never frozen.
//
// Selection looks at several validations, not one: with time known (TimeColumn or TimeOrdered),
// 4 forward windows of the latest 10 % of leads each, every window's models trained on the leads
// before it; otherwise 4 stratified folds. KindAuto tries four L2 penalties of logistic regression
// (Newton's method, exact), with integer codes as numbers or categories, and three shapes of
// histogram gradient-boosted trees, whose number of trees is the round with the best mean
// validation ROC AUC over the windows (ranking, so a window whose base rate moved cannot stop
// them at one tree). The candidate chosen is the simplest (linear before trees, stronger penalty
// before weaker) whose paired shortfall from the best mean AUC is within one standard error. Its
// Platt calibration is cross-fitted on its out-of-fold scores (forward windows: one slope, an
// intercept per window), and it is refitted on every labelled row; with forward windows the
// intercept is then refitted on the refit's own scores over the latest window, so the model that
// scores has the newest base rate, and is not boosted twice. Rep votes on leads without an outcome
// become weak labels whose weight (0, 0.1, 0.3, 1, 3 or 10) is chosen among those the folds do not
// refute (within one standard error of the best) by how well each ranks the newest third of the
// votes, held out; data-quality reports never become labels. With fewer than MinOutcomes labelled leads or MinPerClass of a
// class, Train returns a clear error, or, when TrainConfig.Prior is set, a transparent prior
// model (Kind KindPrior, Report.UsingPrior, Model.EarlyEstimate, Model.Outcomes, and a note saying
// how many outcomes there are and how many are needed) whose base is the observed win rate (the
// configured PriorConfig.BaseRate while there is none) and which, from 10 won and 10 lost, is
// Platt-calibrated on them.
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
// path-dependent TreeSHAP for trees). The calibrated probability is σ(A·raw + B), and each
// contribution's Points is its share of Probability − BaseProbability (the effects scaled by the
// calibrated link's secant between the average lead and this one), so the points a rep reads add
// up to the number beside them; leadbot.Factor.Strength words them.
//
// # Storing, comparing, promoting
//
// A Model marshals with encoding/json (format version, kind, fitted encoding, parameters,
// calibration, validation metrics) and loads with Unmarshal. Model.Evaluate measures it on a
// labelled hold-out frame; Promote(champion, challenger, margin) decides, with a reason, whether
// the challenger replaces the champion. ComputeMetrics gives ROC AUC, PR AUC, log loss, Brier,
// precision and lift in the top 10 %, and calibration error for any labels and probabilities.
package scoring
