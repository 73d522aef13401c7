package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"text/tabwriter"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

// trainingConfig maps the configuration file to the training package.
func (a *app) trainingConfig() training.Config {
	sc := a.cfg.File.Scoring
	types := map[string]scoring.ColumnType{}
	for k, v := range sc.Types {
		types[k] = scoring.ColumnType(v)
	}
	var rules []scoring.PriorRule
	for _, r := range sc.Prior.Rules {
		rules = append(rules, scoring.PriorRule{Column: r.Column, Kind: r.Kind, Weight: r.Weight, Values: r.Values})
	}
	return training.Config{
		Kind:    scoring.Kind(sc.Model),
		Seed:    1,
		Leaks:   sc.Leaks,
		Types:   types,
		Missing: a.cfg.File.Import.Missing,
		Margin:  sc.PromotionMargin,
		Prior: scoring.PriorConfig{Rules: rules, VoteWeight: sc.Prior.VoteWeight, ReasonWeights: sc.Prior.ReasonWeights,
			BaseRate: sc.Prior.BaseRate},
	}
}

// announcement turns a retrain result into what managers are told.
func announcement(r training.Result) handlers.Announcement {
	a := handlers.Announcement{Version: r.Version, Kind: string(r.Kind), Promoted: r.Promoted, Decision: r.Decision,
		ChampionVersion: r.ChampionVersion, AUCBefore: math.NaN(), AUCAfter: math.NaN(), Holdout: r.Holdout,
		Outcomes: r.Outcomes, FeedbackLabels: r.FeedbackLabels, ReasonCodes: r.ReasonCodes, UsingPrior: r.UsingPrior}
	if r.Holdout > 0 {
		a.AUCAfter = r.Challenger.AUC
		if r.Champion != nil {
			a.AUCBefore = r.Champion.AUC
		}
	}
	if r.Refit != nil {
		a.Refit = r.Refit.Summary
	}
	for _, m := range r.Moves {
		a.Moves = append(a.Moves, handlers.FactorMove{Column: m.Column, Before: m.Before, After: m.After})
	}
	return a
}

func printResult(a *app, r training.Result) {
	fmt.Fprintf(a.stdout, "model v%d (%s) trained on %d leads, %d outcomes (%d held out), %d feedback labels, %d reason-code features\n",
		r.Version, r.Kind, r.Leads, r.Outcomes, r.Holdout, r.FeedbackLabels, r.ReasonCodes)
	if r.UsingPrior {
		fmt.Fprintf(a.stdout, "running on the rule-based prior: training needs %d outcomes with %d won and %d lost\n", scoring.MinOutcomes, scoring.MinPerClass, scoring.MinPerClass)
	}
	if r.Holdout > 0 {
		if r.Champion != nil {
			fmt.Fprintf(a.stdout, "hold-out ROC AUC: champion v%d %.4f, challenger %.4f\n", r.ChampionVersion, r.Champion.AUC, r.Challenger.AUC)
		} else {
			fmt.Fprintf(a.stdout, "hold-out ROC AUC: %.4f, PR AUC %.4f, log loss %.4f\n", r.Challenger.AUC, r.Challenger.PRAUC, r.Challenger.LogLoss)
		}
	}
	fmt.Fprintln(a.stdout, r.Decision)
	if r.Refit != nil && r.Refit.Summary != "" {
		fmt.Fprintln(a.stdout, r.Refit.Summary)
	}
	if r.ScoreError != "" {
		fmt.Fprintf(a.stdout, "the open leads could not be rescored (they keep their scores; run leadbot score to retry): %s\n", r.ScoreError)
	}
	fmt.Fprintf(a.stdout, "scored %d open leads; stages: load %.2fs, train %.2fs, validate %.2fs, refit %.2fs, score %.2fs\n",
		r.Scored, r.Stages["load"], r.Stages["train"], r.Stages["validate"], r.Stages["refit"], r.Stages["score"])
}

func runTrain(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("train", "train [-model auto|logreg|gbdt] [-promote]", `
Trains a new model version from the database: CRM outcomes are the labels, reps' 👍/👎 are weak
labels and their reason codes features. The newest 20 % of outcomes are held out; the new version
becomes the champion only if it beats the current one on them by scoring.promotion_margin (or
there is none). Open leads are then rescored. With too few outcomes (fewer than 200, or fewer
than 20 won or lost), leads are ranked by the transparent prior (scoring.prior in LEADBOT_CONFIG).`)
	kind := fs.String("model", a.cfg.File.Scoring.Model, "model family: auto, logreg or gbdt")
	force := fs.Bool("promote", false, "promote the new version whatever the comparison says")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	cfg := a.trainingConfig()
	cfg.Kind, cfg.Force = scoring.Kind(*kind), *force
	r, err := training.Retrain(ctx, st, cfg, a.log)
	if err != nil {
		return err
	}
	printResult(a, r)
	return nil
}

func runScore(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("score", "score", `
Scores every open lead with the champion model and records each probability with its reasons.`)
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	n, v, err := training.Rescore(ctx, st, a.trainingConfig())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "scored %d open leads with model v%d\n", n, v)
	return nil
}

func runExplain(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("explain", "explain LEAD", `
Prints one lead's score and the reasons behind it, and what changed since its previous score.
LEAD is the CRM id, an email, or a name.`)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("%w: name one lead", errUsage)
	}
	st, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	l, ok, err := findLead(ctx, a, st, fs.Arg(0))
	if err != nil || !ok {
		return err
	}
	fmt.Fprintf(a.stdout, "%s  %s (%s)\n", l.ExternalID, l.Name, l.Company)
	scores, err := st.LatestScores(ctx, l.ID, 2)
	if err != nil {
		return err
	}
	if len(scores) == 0 {
		printUnscored(ctx, a, st, l)
		return nil
	}
	printScore(a, scores)
	return nil
}

// findLead finds the lead explain was asked about: by CRM id first, else by a search on email
// and name. Several matches are listed for the user to pick from, and ok is false then: the
// command has answered, with a list instead of a lead.
func findLead(ctx context.Context, a *app, st *store.Store, q string) (l leadbot.Lead, ok bool, err error) {
	l, err = st.LeadByExternalID(ctx, q)
	if !errors.Is(err, store.ErrNotFound) {
		return l, err == nil, err
	}
	found, err := st.SearchLeads(ctx, q, 5)
	if err != nil {
		return l, false, err
	}
	switch len(found) {
	case 0:
		return l, false, fmt.Errorf("no lead matches %q: give the CRM id, an email, or part of the name", q)
	case 1:
		return found[0], true, nil
	}
	fmt.Fprintf(a.stdout, "%d leads match %q; name one by its CRM id:\n", len(found), q)
	for _, f := range found {
		fmt.Fprintf(a.stdout, "  %s  %s (%s)\n", f.ExternalID, f.Name, f.Company)
	}
	return l, false, nil
}

// printUnscored says why a lead has no score: closed leads are training data, never scored; an
// open one is waiting for the first train or score.
func printUnscored(ctx context.Context, a *app, st *store.Store, l leadbot.Lead) {
	if o, err := st.OutcomeOf(ctx, l.ID); err == nil {
		fmt.Fprintf(a.stdout, "closed: %s on %s (leads with an outcome are training data, not scored)\n", o.Outcome, o.OccurredAt.Format("2006-01-02"))
		return
	}
	fmt.Fprintln(a.stdout, "not scored yet: run `leadbot train` (or `leadbot score`)")
}

// printScore prints the newest of scores (newest first) with its top reasons either way, the
// sum that makes its log-odds (so the reasons can be checked against the score), and what
// changed since the score before it, when there is one.
func printScore(a *app, scores []leadbot.Score) {
	cur := scores[0]
	f := cur.Factors()
	model := "the rule-based prior"
	if cur.ModelVersion != nil {
		model = "model v" + strconv.Itoa(*cur.ModelVersion)
	}
	fmt.Fprintf(a.stdout, "score %.1f %% (%s, %s)\n", 100*cur.Probability, model, cur.ScoredAt.Format("2006-01-02 15:04"))
	ups, downs := f.Top(3, 2)
	for _, x := range ups {
		fmt.Fprintf(a.stdout, "  ▲ %s (%+.2f)\n", x.Label, x.Value)
	}
	for _, x := range downs {
		fmt.Fprintf(a.stdout, "  ▼ %s (%+.2f)\n", x.Label, x.Value)
	}
	sum := f.Base
	for _, x := range f.Factors {
		sum += x.Value
	}
	fmt.Fprintf(a.stdout, "  base %.3f + %d factors = %.3f log-odds\n", f.Base, len(f.Factors), sum)
	if len(scores) > 1 {
		if ch := handlers.Changed(scores[1], cur.Probability, f); ch != "" {
			fmt.Fprintln(a.stdout, "changed: "+ch)
		}
	}
}

func runModels(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("models", "models [promote VERSION | rollback [VERSION]]", `
Lists every model version with its hold-out metrics. 'promote VERSION' makes a version the
champion; 'rollback' returns to the champion before the current one (or to VERSION). Open leads
are rescored, and the change is announced to the managers in Slack when Slack is reachable.`)
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	switch fs.Arg(0) {
	case "":
		ms, err := st.Models(ctx)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			fmt.Fprintln(a.stdout, "no model yet: run `leadbot train`")
			return nil
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tSTATUS\tKIND\tAUC\tPR AUC\tLOG LOSS\tROWS\tFEEDBACK\tTRAINED\tNOTES")
		for _, m := range ms {
			mt := m.MetricsMap()
			fmt.Fprintf(tw, "v%d\t%s\t%s\t%.4f\t%.4f\t%.4f\t%d\t%d\t%s\t%s\n", m.Version, m.Status, m.Kind, mt["auc"], mt["pr_auc"], mt["log_loss"],
				m.TrainingRows, m.FeedbackRows, m.TrainedAt.Format("2006-01-02 15:04"), truncateNote(m.Notes))
		}
		return tw.Flush()
	case "promote", "rollback":
		return switchModel(ctx, a, st, fs.Arg(0), fs.Arg(1))
	default:
		fs.Usage()
		return fmt.Errorf("%w: unknown models subcommand %q", errUsage, fs.Arg(0))
	}
}

func truncateNote(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}

func switchModel(ctx context.Context, a *app, st *store.Store, verb, arg string) error {
	cur, err := st.Champion(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	target := 0
	if arg != "" {
		v, err := strconv.Atoi(arg)
		if err != nil {
			return fmt.Errorf("%w: VERSION is a number like 3 (see `leadbot models`)", errUsage)
		}
		target = v
	} else if verb == "rollback" {
		ms, err := st.Models(ctx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.Version != cur.Version && m.PromotedAt != nil && (target == 0 || m.PromotedAt.After(mustModel(ms, target).PromotedAt.UTC())) {
				target = m.Version
			}
		}
		if target == 0 {
			return errors.New("there is no earlier champion to roll back to: name a VERSION (see `leadbot models`)")
		}
	} else {
		return fmt.Errorf("%w: promote needs a VERSION", errUsage)
	}
	note := fmt.Sprintf("%s from v%d by the command line", verb, cur.Version)
	if err := st.Promote(ctx, target, note); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("there is no model v%d (see `leadbot models`)", target)
	} else if err != nil {
		return err
	}
	n, _, err := training.Rescore(ctx, st, a.trainingConfig())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "v%d is the champion (was v%d); rescored %d open leads\n", target, cur.Version, n)
	a.announce(ctx, st, handlers.Announcement{Version: target, Rollback: true, ChampionVersion: cur.Version, Decision: note,
		AUCBefore: math.NaN(), AUCAfter: math.NaN()})
	return nil
}

func mustModel(ms []store.Model, v int) store.Model {
	for _, m := range ms {
		if m.Version == v {
			return m
		}
	}
	return store.Model{}
}

// announce tells the managers in Slack, when Slack (or the sandbox of a running serve) answers;
// the command has done its work either way, so a failure here is a warning.
func (a *app) announce(ctx context.Context, st *store.Store, ann handlers.Announcement) {
	rt, err := a.newRuntime(st, a.slackFor(), nil, nil)
	if err == nil {
		_, err = rt.sender.API().AuthTestContext(ctx)
	}
	if err == nil {
		err = rt.service.Announce(ctx, a.cfg.File.ManagersChannel, ann)
	}
	if err != nil {
		a.log.Warn("the change was not announced in Slack", "err", err)
	}
}
