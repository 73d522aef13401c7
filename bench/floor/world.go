package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/leadbot/leadbot/store"
)

// The simulated sales floor: what the CRM says, what only reps know, and when outcomes come.
const (
	accounts      = 1500
	leadsPerWeek  = 120
	days          = 600 // about 20 months of leads
	shiftDay      = 300 // the market moves part-way through
	leadership    = 0.15
	noBudgetRate  = 0.20
	championRate  = 0.15
	scrambledRate = 0.06
	judgedRate    = 0.5
	knowRate      = 0.8 // a rep judging a lead knows each hidden factor that holds with this chance
)

var (
	start      = time.Date(2028, 1, 5, 9, 0, 0, 0, time.UTC)
	industries = []string{"Software", "Retail", "Finance", "Health", "Education", "Logistics", "Energy"}
	indEffect  = []float64{0.6, 0.3, 0, -0.3, -0.6, 0.2, -0.2}
	// From shiftDay on, three industries move by ±1.5 log-odds.
	shiftEffect = []float64{-1.5, 0, 0, 1.5, 0, -1.5, 0}
	sizes       = []string{"1-10", "11-50", "51-200", "201+"}
	sizeEffect  = []float64{-0.5, 0, 0.3, 0.5}
	sources     = []string{"Web", "Referral", "Event", "Cold", "Partner"}
	srcEffect   = []float64{0, 0.8, 0.3, -0.7, 0.5}
	titles      = []string{"CEO", "VP", "Manager", "Analyst"}
	titleEffect = []float64{0.4, 0.2, 0, -0.4}
)

type account struct {
	industry, size int
	changeAt       time.Time // the leadership changed from this day on; zero: never
}

type lead struct {
	account            int
	arrival, outcomeAt time.Time
	industry, size     int // the account's, as the CRM has them
	source, title      int
	visits             int
	noBudget, champion bool
	scrambled          bool
	crm, full          float64 // true logit without and with the rep-only factors
	won                bool
	attrs              json.RawMessage
}

type vote struct {
	lead    int
	at      time.Time
	verdict int
	reason  string
	dq      bool
	wide    bool
}

type world struct {
	accounts []account
	leads    []lead
	votes    []vote // in time order
}

func day(d float64) time.Time { return start.Add(time.Duration(d * 24 * float64(time.Hour))) }

// newWorld simulates the floor with seed.
func newWorld(seed uint64) *world {
	rng := rand.New(rand.NewPCG(seed, 0xf100))
	w := &world{}
	weights := make([]float64, accounts)
	var total float64
	for i := range accounts {
		a := account{industry: rng.IntN(len(industries)), size: rng.IntN(len(sizes))}
		if rng.Float64() < leadership {
			a.changeAt = day(rng.Float64() * days)
		}
		w.accounts = append(w.accounts, a)
		weights[i] = math.Pow(float64(i+1), -0.7) // a few accounts bring many leads
		total += weights[i]
	}
	n := days * leadsPerWeek / 7
	for k := range n {
		t := day(float64(k) * days / float64(n))
		w.leads = append(w.leads, w.newLead(rng, pick(rng, weights, total), t))
	}
	w.judge(rng)
	return w
}

func pick(rng *rand.Rand, weights []float64, total float64) int {
	x := rng.Float64() * total
	for i, v := range weights {
		if x -= v; x <= 0 {
			return i
		}
	}
	return len(weights) - 1
}

func (w *world) newLead(rng *rand.Rand, acct int, t time.Time) lead {
	a := w.accounts[acct]
	l := lead{account: acct, arrival: t, industry: a.industry, size: a.size, source: rng.IntN(len(sources)),
		title: rng.IntN(len(titles)), visits: rng.IntN(31), noBudget: rng.Float64() < noBudgetRate, champion: rng.Float64() < championRate}
	l.crm = -1.6 + indEffect[l.industry] + sizeEffect[l.size] + srcEffect[l.source] + titleEffect[l.title] + 0.06*float64(l.visits-15)
	if t.After(day(shiftDay)) {
		l.crm += shiftEffect[l.industry]
	}
	l.full = l.crm
	if !a.changeAt.IsZero() && !a.changeAt.After(t) {
		l.full -= 2
	}
	if l.noBudget {
		l.full -= 2
	}
	if l.champion {
		l.full += 1.5
	}
	l.won = rng.Float64() < 1/(1+math.Exp(-l.full))
	l.outcomeAt = t.Add(time.Duration(30+rng.Float64()*90) * 24 * time.Hour)
	shown := l
	if l.scrambled = rng.Float64() < scrambledRate; l.scrambled {
		shown.industry, shown.size, shown.source, shown.title, shown.visits = rng.IntN(len(industries)), rng.IntN(len(sizes)), rng.IntN(len(sources)), rng.IntN(len(titles)), rng.IntN(31)
	}
	l.attrs, _ = json.Marshal(map[string]any{"Industry": industries[shown.industry], "Size": sizes[shown.size],
		"Title": titles[shown.title], "Visits": shown.visits})
	l.source = shown.source // what the CRM says; the truth is in crm and full
	return l
}

// judge has reps judge about half the leads 2–5 days after arrival: a reason code when they know a
// hidden factor (leadership change account-wide), "bad data" for scrambled rows, a noisy gut call
// from what they see of the lead and the market otherwise.
func (w *world) judge(rng *rand.Rand) {
	for i, l := range w.leads {
		if rng.Float64() >= judgedRate {
			continue
		}
		at := l.arrival.Add(time.Duration(2+rng.Float64()*3) * 24 * time.Hour)
		v := vote{lead: i, at: at}
		change := w.accounts[l.account].changeAt
		switch {
		case l.scrambled:
			v.verdict, v.reason, v.dq = -1, "bad_data", true
		case !change.IsZero() && !change.After(at) && rng.Float64() < knowRate:
			v.verdict, v.reason, v.wide = -1, "leadership_change", true
		case l.noBudget && rng.Float64() < knowRate:
			v.verdict, v.reason = -1, "no_budget"
		case l.champion && rng.Float64() < knowRate:
			v.verdict, v.reason = 1, "has_champion"
		default:
			v.verdict = -1
			if l.crm+rng.NormFloat64()*1.2 > -1.4 {
				v.verdict = 1
			}
		}
		w.votes = append(w.votes, v)
	}
	sortVotes(w.votes)
}

// snapshot is the floor as leadbot's database holds it at now: leads created before now, outcomes
// known by now, feedback given before now.
func (w *world) snapshot(now time.Time) ([]store.TrainingLead, []store.TrainingFeedback) {
	var leads []store.TrainingLead
	for i, l := range w.leads {
		if !l.arrival.Before(now) {
			break
		}
		arr := l.arrival
		tl := store.TrainingLead{ID: int64(i + 1), Account: fmt.Sprintf("account %d", l.account), Source: sources[l.source],
			Status: "open", CreatedAt: &arr, Attributes: l.attrs}
		if !l.outcomeAt.After(now) {
			o, at := map[bool]string{true: "won", false: "lost"}[l.won], l.outcomeAt
			tl.Outcome, tl.OccurredAt, tl.KnownAt = &o, &at, &at
		}
		leads = append(leads, tl)
	}
	var fb []store.TrainingFeedback
	for _, v := range w.votes {
		if !v.at.Before(now) {
			continue
		}
		r := v.reason
		f := store.TrainingFeedback{LeadID: int64(v.lead + 1), Verdict: v.verdict, DataQuality: v.dq, AccountWide: v.wide, CreatedAt: v.at}
		if r != "" {
			f.ReasonCode = &r
		}
		fb = append(fb, f)
	}
	return leads, fb
}

func sortVotes(v []vote) {
	slices.SortStableFunc(v, func(a, b vote) int { return a.at.Compare(b.at) })
}
