package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/leadbot/leadbot"
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
// team, leads, outcomes and a first model; otherwise the reps are added back to the workspace with
// their stored Slack ids (the workspace lives in memory and starts empty on every run, so earlier
// messages are gone but everything in the database still lines up). seeded is true when it
// seeded the demo.
func (a *app) prepareSandbox(ctx context.Context, st *store.Store, sb *sandbox.Workspace) (seeded bool, err error) {
	reps, err := st.Reps(ctx)
	if err != nil {
		return false, err
	}
	if len(reps) > 0 {
		inSlack := 0
		for _, r := range reps {
			if r.SlackID() == "" {
				continue
			}
			inSlack++
			handle := strings.ToLower(strings.Fields(orName(r) + " x")[0])
			sb.AddUser(sandbox.User{ID: r.SlackID(), Name: handle, RealName: orName(r), Email: r.Email, TZ: r.Timezone, IsManager: r.IsManager})
		}
		if inSlack == 0 {
			sb.SetEmptyNotice(fmt.Sprintf("leadbot knows %d %s, but none has a Slack id, so no one is in this workspace. "+
				"Import them again with a slack_user_id column (leadbot import reps FILE), or start leadbot with an empty "+
				"LEADBOT_DATA_DIR (and no DATABASE_URL) for the demo team.", len(reps), plural(len(reps), "rep", "reps")))
		}
		// The messages of recent digests were in the previous run's workspace: forget those
		// digests so that "send today's digests" sends them again (from yesterday on, for every
		// timezone's today).
		n, err := st.ForgetDigestsSince(ctx, time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1))
		if err != nil {
			return false, err
		}
		if n > 0 {
			a.log.Info("sandbox restarted: recent digests will be sent again (their messages were in the previous run's workspace)", "digests", n)
		}
		return false, nil
	}
	start := time.Now()
	a.log.Info("empty database: seeding the demo sales team (set DATABASE_URL or import your own data to skip)")
	stats, err := demo.Seed(ctx, st, sandboxPeople{sb}, demo.Options{Seed: 1})
	if err != nil {
		return false, err
	}
	cfg := a.trainingConfig()
	r, err := training.Retrain(ctx, st, cfg, a.log)
	if err != nil {
		return false, err
	}
	a.log.Info("demo ready", "reps", stats.Reps, "leads", stats.Leads, "outcomes", stats.Outcomes, "open", stats.Open,
		"model", r.Version, "kind", r.Kind, "auc", r.Challenger.AUC, "took", time.Since(start).Round(time.Millisecond).String())
	return true, nil
}

func orName(r leadbot.Rep) string {
	if r.Name != "" {
		return r.Name
	}
	return r.Email
}
