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
	var stats Stats
	if reps, err := st.Reps(ctx); err != nil {
		return stats, err
	} else if len(reps) > 0 {
		return stats, fmt.Errorf("the database already has %d reps: the demo only seeds an empty leadbot", len(reps))
	}
	if opt.Leads <= 0 {
		opt.Leads = 3000
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x1eadb07))

	var reps []leadbot.Rep
	for _, p := range Team {
		id := sl.AddPerson(p)
		nr := store.NewRep{Email: p.Email, Name: p.Name, SlackUserID: id, Timezone: p.TZ, IsManager: p.Manager, Team: "Demo"}
		if !p.Manager {
			nr.ManagerEmail = Team[0].Email
		}
		r, err := st.UpsertRep(ctx, nr)
		if err != nil {
			return stats, err
		}
		if !p.Manager {
			reps = append(reps, r)
		}
	}
	stats.Reps = len(reps)

	accounts := make([]*account, opt.Leads/5)
	// Distinct company names: a shuffled walk over adjective × name × suffix (1,920 of them).
	names := rng.Perm(len(coAdj) * len(coNoun) * len(coSuffix))
	for i := range accounts {
		k := names[i%len(names)]
		a := &account{
			name:             fmt.Sprintf("%s %s %s", coAdj[k%len(coAdj)], coNoun[k/len(coAdj)%len(coNoun)], coSuffix[k/(len(coAdj)*len(coNoun))]),
			industry:         industries[rng.IntN(len(industries))],
			size:             sizes[rng.IntN(len(sizes))],
			country:          countries[rng.IntN(len(countries))],
			leadershipChange: rng.Float64() < 0.12,
		}
		if i >= len(names) {
			a.name = fmt.Sprintf("%s %d", a.name, i/len(names)+1)
		}
		if a.leadershipChange {
			stats.LeadershipChanges++
		}
		accounts[i] = a
	}
	for i := range opt.Leads {
		a := accounts[rng.IntN(len(accounts))]
		src := rng.IntN(len(sources))
		title := rng.IntN(len(titles))
		visits := int(math.Floor(rng.ExpFloat64() * 4))
		onSite := int(float64(visits)*rng.Float64()*240 + rng.Float64()*60)
		pricing := 0
		if visits > 0 {
			pricing = rng.IntN(min(visits, 6) + 1)
		}
		opened := rng.Float64() < 0.55
		// A year of leads, the newest still open.
		age := rng.IntN(365)
		created := opt.Now.AddDate(0, 0, -age).Add(-time.Duration(rng.IntN(86400)) * time.Second)

		logit := -2.2 + sourceEff[src] + indEff[index(industries, a.industry)] + sizeEff[index(sizes, a.size)] + titleEff[title] +
			0.35*math.Min(float64(visits), 8) + 0.45*float64(pricing) - 0.3*math.Max(0, float64(visits)-10)/5
		if opened {
			logit += 0.3
		}
		if a.leadershipChange {
			logit -= 2.0 // only reps know
		}
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		f := strings.Fields(a.name)
		domain := strings.ToLower(f[0]+f[1]) + ".example"
		if rng.Float64() < 0.15 {
			domain = "gmail.com"
		}
		attrs := map[string]any{
			"Industry": a.industry, "Company size": a.size, "Job title": titles[title],
			"Website visits": visits, "Time on website (s)": onSite, "Pricing page views": pricing,
			"Opened last email": map[bool]string{true: "Yes", false: "No"}[opened],
		}
		if a.country != "" {
			attrs["Country"] = a.country
		}
		owner := reps[rng.IntN(len(reps))]
		l, err := st.UpsertLead(ctx, store.NewLead{
			ExternalID: fmt.Sprintf("DEMO-%05d", i+1), Name: first + " " + last, Company: a.name,
			Email:   strings.ToLower(strings.NewReplacer("í", "i", "é", "e", "á", "a", "ú", "u").Replace(first)) + "@" + domain,
			OwnerID: &owner.ID, Source: sources[src], CreatedAt: &created, Attributes: attrs,
		})
		if err != nil {
			return stats, err
		}
		stats.Leads++
		// The team's history: on most accounts that went through a leadership change, a rep said
		// so once, for the whole account, on a lead a few days old (and reps are sometimes wrong).
		if age >= 30 && !a.told && ((a.leadershipChange && rng.Float64() < 0.7) || (!a.leadershipChange && rng.Float64() < 0.02)) {
			a.told = true
			if _, _, err := st.RecordFeedback(ctx, leadbot.NewFeedback{LeadID: l.ID, RepID: owner.ID, Verdict: -1,
				ReasonCode: "leadership_change", AccountWide: true, CreatedAt: created.AddDate(0, 0, 3)}); err != nil {
				return stats, err
			}
			stats.Feedback++
		}
		// Leads older than a month have an outcome; the month's leads are the open pipeline.
		if age < 30 {
			stats.Open++
			continue
		}
		won := rng.Float64() < 1/(1+math.Exp(-logit))
		outcome := "lost"
		if won {
			outcome, stats.Won = "won", stats.Won+1
		}
		occurred := created.AddDate(0, 0, 10+rng.IntN(20))
		if err := st.RecordOutcome(ctx, leadbot.Outcome{LeadID: l.ID, Outcome: outcome, OccurredAt: occurred}, "demo"); err != nil {
			return stats, err
		}
		stats.Outcomes++
	}
	return stats, nil
}

func index(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 0
}
