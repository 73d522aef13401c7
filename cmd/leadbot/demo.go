package main

import (
	"context"
	"strings"
	"time"

	"github.com/leadbot/leadbot/demo"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

// sandboxPeople adds people to the sandbox workspace.
type sandboxPeople struct{ sb *sandbox.Workspace }

func (s sandboxPeople) AddPerson(p demo.Person) string {
	handle := strings.ToLower(strings.Fields(p.Name)[0])
	handle = strings.NewReplacer("é", "e", "ó", "o", "á", "a").Replace(handle)
	return s.sb.AddUser(sandbox.User{Name: handle, RealName: p.Name, Email: p.Email, TZ: p.TZ, IsManager: p.Manager}).ID
}

// prepareSandbox makes the sandbox workspace match the database. An empty database gets the demo
// team, leads, outcomes and a first model; otherwise the reps are added back to the workspace in
// the order they were created, which gives them the same Slack ids as before (the workspace
// itself lives in memory and starts empty on every run).
func (a *app) prepareSandbox(ctx context.Context, st *store.Store, sb *sandbox.Workspace) error {
	reps, err := st.Reps(ctx)
	if err != nil {
		return err
	}
	if len(reps) > 0 {
		byID := make([]store.Rep, len(reps))
		copy(byID, reps)
		sortRepsByID(byID)
		for _, r := range byID {
			if r.SlackID() == "" {
				continue
			}
			p := demo.Person{Name: orName(r), Email: r.Email, TZ: r.Timezone, Manager: r.IsManager}
			if id := (sandboxPeople{sb}).AddPerson(p); id != r.SlackID() {
				a.log.Warn("sandbox user id differs from the one stored; their old messages are gone", "rep", r.Email, "stored", r.SlackID(), "sandbox", id)
				if err := st.SetSlackMatch(ctx, r.ID, id, "", ""); err != nil {
					return err
				}
			}
		}
		return nil
	}
	start := time.Now()
	a.log.Info("empty database: seeding the demo sales team (set DATABASE_URL or import your own data to skip)")
	stats, err := demo.Seed(ctx, st, sandboxPeople{sb}, demo.Options{Seed: 1})
	if err != nil {
		return err
	}
	cfg := a.trainingConfig()
	r, err := training.Retrain(ctx, st, cfg, a.log)
	if err != nil {
		return err
	}
	a.log.Info("demo ready", "reps", stats.Reps, "leads", stats.Leads, "outcomes", stats.Outcomes, "open", stats.Open,
		"model", r.Version, "kind", r.Kind, "auc", r.Challenger.AUC, "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

func orName(r store.Rep) string {
	if r.Name != "" {
		return r.Name
	}
	return r.Email
}

func sortRepsByID(rs []store.Rep) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].ID < rs[j-1].ID; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}
