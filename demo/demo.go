// Package demo seeds a believable sales team into an empty leadbot, for the zero-configuration
// start: a manager and reps in the sandbox workspace and in the database, a few thousand leads
// with realistic attributes, a year of outcomes drawn from a known rule, and a first model.
//
// The rule includes a context factor that only reps can see: some accounts went through a
// leadership change, which halves their leads' chances and is in no CRM column. A rep who says so
// (👎 "Leadership change", whole account) gives the model a feature it could not have had, and
// the next retrain ranks that account's other leads lower: feedback visibly matters.
//
// Everything is drawn from a seeded generator, so the same seed gives the same team.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/experiment"
	"github.com/leadbot/leadbot/store"
)

// Person is a member of the demo team.
type Person struct {
	Name, Email, TZ string
	Manager         bool
}

// Team is the demo sales team: the manager first.
var Team = []Person{
	{Name: "Maya Okafor", Email: "maya@demo.leadbot.dev", TZ: "Europe/London", Manager: true},
	{Name: "Ana Lima", Email: "ana@demo.leadbot.dev", TZ: "Europe/Lisbon"},
	{Name: "Ben Carter", Email: "ben@demo.leadbot.dev", TZ: "America/New_York"},
	{Name: "Chloé Martin", Email: "chloe@demo.leadbot.dev", TZ: "Europe/Paris"},
	{Name: "Dev Patel", Email: "dev@demo.leadbot.dev", TZ: "Asia/Kolkata"},
}

// Slack adds a team member to the (sandbox) workspace and returns their Slack user id.
type Slack interface {
	AddPerson(p Person) (userID string)
}

// Store is what seeding writes through.
type Store interface {
	UpsertRep(ctx context.Context, r store.NewRep) (leadbot.Rep, error)
	UpsertLead(ctx context.Context, l store.NewLead) (leadbot.Lead, error)
	RecordOutcome(ctx context.Context, o leadbot.Outcome, source string) error
	RecordFeedback(ctx context.Context, f leadbot.NewFeedback) (leadbot.Feedback, bool, error)
	RecordPastScores(ctx context.Context, scores []store.PastScore) error
	RecordPastExperiment(ctx context.Context, share float64, start, stop time.Time, arms []store.PastArm) (store.Experiment, error)
	BackdateLeads(ctx context.Context) (int, error)
	Reps(ctx context.Context) ([]leadbot.Rep, error)
}

// Options size the demo.
type Options struct {
	Seed  uint64
	Leads int       // default 3,000
	Now   time.Time // the demo's today
}

// Stats says what was seeded.
type Stats struct {
	Reps, Leads, Outcomes, Open, Won int
	LeadershipChanges                int // accounts with the hidden leadership change
	Feedback                         int // past verdicts the reps gave
	PastScores                       int // scores given before the outcomes (model health's history)
	HeldOut, Treated                 int // the past holdout's arms
	Verdicts                         int // the reps' 👍/👎 of the last ten weeks
}

var (
	sources    = []string{"Website", "Referral", "Event", "Cold outreach", "Partner", "Webinar"}
	sourceEff  = []float64{0.2, 1.2, 0.4, -1.0, 0.7, 0.1}
	industries = []string{"Software", "Retail", "Manufacturing", "Finance", "Healthcare", "Education", "Logistics"}
	indEff     = []float64{0.8, -0.2, 0.1, 0.5, 0.3, -0.6, -0.1}
	sizes      = []string{"1-10", "11-50", "51-200", "201-500", "501-2000", "2000+"}
	sizeEff    = []float64{-1.0, -0.4, 0.2, 0.6, 0.5, 0.2}
	countries  = []string{"United Kingdom", "Germany", "France", "United States", "India", "Brazil", "Portugal", ""}
	titles     = []string{"CEO", "VP Sales", "Head of Operations", "IT Manager", "Analyst", "Procurement Lead", "CTO", ""}
	titleEff   = []float64{0.5, 0.6, 0.3, 0.1, -0.5, 0.2, 0.4, -0.2}
	firstNames = []string{"Alex", "Sam", "Jordan", "Taylor", "Morgan", "Riley", "Jamie", "Casey", "Robin", "Avery", "Noor", "Kenji",
		"Lucía", "Mateo", "Ines", "Olga", "Priya", "Tomás", "Zoe", "Yusuf", "Amara", "Bjorn", "Chen", "Dalia", "Emeka", "Farah",
		"Gustavo", "Hana", "Ivan", "Jana", "Kofi", "Leila", "Marta", "Nikhil", "Oren", "Paula", "Quinn", "Rosa", "Sven", "Tariq"}
	lastNames = []string{"Smith", "Garcia", "Müller", "Rossi", "Kowalski", "Nguyen", "Silva", "Dubois", "Okoro", "Haddad", "Kim",
		"Novak", "Fischer", "Costa", "Ivanova", "Brown", "Andersen", "Bakker", "Cohen", "Dimitrov", "Eriksson", "Fontaine", "Gupta",
		"Horvat", "Ibrahim", "Jansen", "Kaya", "Larsen", "Moreau", "Nakamura", "Ortiz", "Petrov", "Quinlan", "Reyes", "Sato", "Tanaka"}
	coAdj  = []string{"Blue", "North", "Bright", "Silver", "Rapid", "Green", "Iron", "Clear", "Red", "Summit", "Harbor", "Prime"}
	coNoun = []string{"Acme", "Globex", "Initech", "Umbrella", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell", "Cyberdyne", "Aperture",
		"Wonka", "Oscorp", "Monarch", "Nimbus", "Falcon", "Northwind", "Fabrikam", "Pioneer", "Lattice"}
	coSuffix = []string{"Ltd", "GmbH", "SA", "Inc", "Group", "Labs", "Systems", "Partners"}
)

type account struct {
	name, industry, size, country string
	leadershipChange              bool
	told                          bool // a rep already said so (account-wide) on an earlier lead
}

// Seed fills an empty leadbot with the demo team, leads and outcomes. It refuses a database that
// already has reps, so it never mixes demo data into real data.
func Seed(ctx context.Context, st Store, sl Slack, opt Options) (Stats, error) {
	if reps, err := st.Reps(ctx); err != nil {
		return Stats{}, err
	} else if len(reps) > 0 {
		return Stats{}, fmt.Errorf("the database already has %d reps: the demo only seeds an empty leadbot", len(reps))
	}
	if opt.Leads <= 0 {
		opt.Leads = 3000
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	s := &seeder{st: st, rng: rand.New(rand.NewPCG(opt.Seed, 0x1eadb07)), now: opt.Now,
		scoreRng: rand.New(rand.NewPCG(opt.Seed, 0x5c0de5)), verdictRng: rand.New(rand.NewPCG(opt.Seed, 0x7e4d5)),
		judged: map[int64]bool{}}
	if err := s.team(ctx, sl); err != nil {
		return s.stats, err
	}
	s.newAccounts(opt.Leads / 5)
	for i := range opt.Leads {
		if err := s.lead(ctx, i); err != nil {
			return s.stats, err
		}
	}
	if err := st.RecordPastScores(ctx, s.past); err != nil {
		return s.stats, err
	}
	s.stats.PastScores = len(s.past)
	if _, err := st.RecordPastExperiment(ctx, holdoutShare, s.holdoutStart(), s.holdoutStop(), s.arms); err != nil {
		return s.stats, err
	}
	if err := s.verdicts(ctx); err != nil {
		return s.stats, err
	}
	// A year of history did not arrive today: "hot now" must not push it as if it had.
	if _, err := st.BackdateLeads(ctx); err != nil {
		return s.stats, err
	}
	return s.stats, nil
}

// seeder is one Seed run. Every draw comes from rng in a fixed order (team, accounts, then each
// lead in turn), which is what makes the same seed give the same demo: a step that draws more,
// or earlier, changes every lead after it.
type seeder struct {
	st       Store
	rng      *rand.Rand
	now      time.Time // the demo's today
	stats    Stats
	reps     []leadbot.Rep // the reps, without the manager: the leads' owners
	accounts []*account
	// scoreRng draws the past scores' noise apart from rng, so the leads stay those of the seed.
	scoreRng *rand.Rand
	past     []store.PastScore
	arms     []store.PastArm // the past holdout's assignments
	// judged are the leads a rep already gave a verdict on; pool the leads recent verdicts may
	// fall on; verdictRng draws those verdicts apart from rng, so the leads stay the seed's.
	judged     map[int64]bool
	pool       []judgeable
	verdictRng *rand.Rand
}

// team adds the demo team to the workspace and the database, the manager first so that every
// rep's manager exists when the rep is written.
func (s *seeder) team(ctx context.Context, sl Slack) error {
	for _, p := range Team {
		id := sl.AddPerson(p)
		nr := store.NewRep{Email: p.Email, Name: p.Name, SlackUserID: id, Timezone: p.TZ, IsManager: p.Manager, Team: "Demo"}
		if !p.Manager {
			nr.ManagerEmail = Team[0].Email
		}
		r, err := s.st.UpsertRep(ctx, nr)
		if err != nil {
			return err
		}
		if !p.Manager {
			s.reps = append(s.reps, r)
		}
	}
	s.stats.Reps = len(s.reps)
	return nil
}

// newAccounts draws n companies, about one for five leads so that accounts have several leads
// (an account-wide 👎 then has other leads to move), and the hidden leadership changes among them.
func (s *seeder) newAccounts(n int) {
	s.accounts = make([]*account, n)
	// Distinct company names: a shuffled walk over adjective × name × suffix (1,920 of them).
	names := s.rng.Perm(len(coAdj) * len(coNoun) * len(coSuffix))
	for i := range s.accounts {
		k := names[i%len(names)]
		a := &account{
			name:             fmt.Sprintf("%s %s %s", coAdj[k%len(coAdj)], coNoun[k/len(coAdj)%len(coNoun)], coSuffix[k/(len(coAdj)*len(coNoun))]),
			industry:         industries[s.rng.IntN(len(industries))],
			size:             sizes[s.rng.IntN(len(sizes))],
			country:          countries[s.rng.IntN(len(countries))],
			leadershipChange: s.rng.Float64() < 0.12,
		}
		if i >= len(names) {
			a.name = fmt.Sprintf("%s %d", a.name, i/len(names)+1)
		}
		if a.leadershipChange {
			s.stats.LeadershipChanges++
		}
		s.accounts[i] = a
	}
}

// lead draws lead i (its account, its CRM fields, a contact and an owner, in that order), writes
// it, then writes what the team already knows about it: a rep's feedback and its outcome.
func (s *seeder) lead(ctx context.Context, i int) error {
	a := s.accounts[s.rng.IntN(len(s.accounts))]
	f := s.drawFields()
	name, email := s.drawContact(a)
	owner := s.reps[s.rng.IntN(len(s.reps))]
	l, err := s.st.UpsertLead(ctx, store.NewLead{
		ExternalID: fmt.Sprintf("DEMO-%05d", i+1), Name: name, Company: a.name, Email: email,
		OwnerID: &owner.ID, Source: sources[f.source], CreatedAt: &f.created, Attributes: f.attributes(a),
	})
	if err != nil {
		return err
	}
	s.stats.Leads++
	if err := s.feedback(ctx, l, owner, a, f); err != nil {
		return err
	}
	return s.outcome(ctx, l, a, f)
}

// fields are a lead's drawn CRM fields: indexes into the tables above, the web activity, and
// when the lead came in.
type fields struct {
	source, title           int
	visits, onSite, pricing int
	opened                  bool
	age                     int // days
	created                 time.Time
}

// drawFields draws a lead's fields: a year of leads, the newest still open.
func (s *seeder) drawFields() fields {
	rng := s.rng
	f := fields{source: rng.IntN(len(sources)), title: rng.IntN(len(titles))}
	f.visits = int(math.Floor(rng.ExpFloat64() * 4))
	f.onSite = int(float64(f.visits)*rng.Float64()*240 + rng.Float64()*60)
	if f.visits > 0 {
		f.pricing = rng.IntN(min(f.visits, 6) + 1)
	}
	f.opened = rng.Float64() < 0.55
	f.age = rng.IntN(365)
	f.created = s.now.AddDate(0, 0, -f.age).Add(-time.Duration(rng.IntN(86400)) * time.Second)
	return f
}

// logit is the known rule the outcomes are drawn from, in log-odds: the CRM fields, and the
// leadership change that is in no column.
func (f fields) logit(a *account) float64 {
	logit := -2.2 + sourceEff[f.source] + indEff[index(industries, a.industry)] + sizeEff[index(sizes, a.size)] + titleEff[f.title] +
		0.35*math.Min(float64(f.visits), 8) + 0.45*float64(f.pricing) - 0.3*math.Max(0, float64(f.visits)-10)/5
	if f.opened {
		logit += 0.3
	}
	if a.leadershipChange {
		logit -= 2.0 // only reps know
	}
	return logit
}

// attributes are the lead's CRM columns beyond the standard fields, named as a CRM export names
// them; an unknown country is left out, as a CRM leaves an empty field.
func (f fields) attributes(a *account) map[string]any {
	attrs := map[string]any{
		"Industry": a.industry, "Company size": a.size, "Job title": titles[f.title],
		"Website visits": f.visits, "Time on website (s)": f.onSite, "Pricing page views": f.pricing,
		"Opened last email": map[bool]string{true: "Yes", false: "No"}[f.opened],
	}
	if a.country != "" {
		attrs["Country"] = a.country
	}
	return attrs
}

// drawContact draws the lead's person at account a: a name, and an email at the company's domain
// (or, as with real leads, sometimes a personal address).
func (s *seeder) drawContact(a *account) (name, email string) {
	first, last := firstNames[s.rng.IntN(len(firstNames))], lastNames[s.rng.IntN(len(lastNames))]
	w := strings.Fields(a.name)
	domain := strings.ToLower(w[0]+w[1]) + ".example"
	if s.rng.Float64() < 0.15 {
		domain = "gmail.com"
	}
	return first + " " + last, strings.ToLower(strings.NewReplacer("í", "i", "é", "e", "á", "a", "ú", "u").Replace(first)) + "@" + domain
}

// feedback is the team's history: on most accounts that went through a leadership change, a rep
// said so once, for the whole account, on a lead a few days old (and reps are sometimes wrong).
func (s *seeder) feedback(ctx context.Context, l leadbot.Lead, owner leadbot.Rep, a *account, f fields) error {
	said := f.age >= 30 && !a.told && ((a.leadershipChange && s.rng.Float64() < 0.7) || (!a.leadershipChange && s.rng.Float64() < 0.02))
	if !said {
		return nil
	}
	a.told = true
	s.judged[l.ID] = true
	if _, _, err := s.st.RecordFeedback(ctx, leadbot.NewFeedback{LeadID: l.ID, RepID: owner.ID, Verdict: -1,
		ReasonCode: "leadership_change", AccountWide: true, CreatedAt: f.created.AddDate(0, 0, 3)}); err != nil {
		return err
	}
	s.stats.Feedback++
	return nil
}

// outcome closes the leads older than a month, won or lost by drawing from the rule; the month's
// leads are the open pipeline, the ones digests carry.
func (s *seeder) outcome(ctx context.Context, l leadbot.Lead, a *account, f fields) error {
	s.pool = append(s.pool, judgeable{lead: l, owner: *l.OwnerID, industry: a.industry, created: f.created, p: 1 / (1 + math.Exp(-f.logit(a)))})
	if f.age < 30 {
		s.stats.Open++
		return nil
	}
	logit, arm := f.logit(a), s.holdoutArm(l, f)
	if arm == experiment.HeldOut {
		logit -= holdoutEffect // not sent: worked later, or not at all
	}
	won := s.rng.Float64() < 1/(1+math.Exp(-logit))
	s.pool[len(s.pool)-1].outcome = map[bool]int{true: 1, false: -1}[won]
	outcome := "lost"
	if won {
		outcome, s.stats.Won = "won", s.stats.Won+1
	}
	occurred := f.created.AddDate(0, 0, 10+s.rng.IntN(20))
	if err := s.st.RecordOutcome(ctx, leadbot.Outcome{LeadID: l.ID, Outcome: outcome, OccurredAt: occurred}, "demo"); err != nil {
		return err
	}
	s.stats.Outcomes++
	s.pastScore(l, a, f)
	s.recordArm(l, f, arm)
	return nil
}

func index(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 0
}
