package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/internal/netfault"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/store"
)

// monday0930 is the world's clock: a Monday, 09:30 UTC, a digest hour for every rep.
var monday0930 = time.Date(2030, 3, 4, 9, 30, 0, 0, time.UTC)

// world is one replica of leadbot (its store reached through a faulty proxy, the sender, the
// handlers, a scheduler) against a sandbox Slack with realistic limits and reps in it.
type world struct {
	sb    *sandbox.Workspace
	px    *netfault.Proxy
	db    *sqlx.DB
	st    *store.Store
	sl    *faultySlack
	svc   *handlers.Service
	sched *bot.Scheduler
	users []sandbox.User
	log   *slog.Logger
}

// newWorld connects a replica to the database at dsn through a new proxy.
func newWorld(sb *sandbox.Workspace, dsn string, ttl time.Duration, js func(*store.Store) bot.JobStore, log *slog.Logger) (*world, error) {
	px, err := netfault.Start("")
	if err != nil {
		return nil, err
	}
	proxied, target, err := netfault.DSN(dsn, px.Port())
	if err != nil {
		px.Close()
		return nil, err
	}
	px.SetTarget(target)
	db, err := sqlx.Open("postgres", proxied)
	if err != nil {
		px.Close()
		return nil, err
	}
	db.SetMaxOpenConns(20)
	st := store.New(db)
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
	sl := &faultySlack{Sender: bot.NewSender(api, bot.SenderConfig{Log: log})}
	svc := handlers.New(st, sl, handlers.Config{DeliveryHour: 9, ResendDays: 7}, log, func() time.Time { return monday0930 })
	var jobs bot.JobStore = st
	if js != nil {
		jobs = js(st)
	}
	sched := bot.NewScheduler(jobs, log)
	sched.SetLeaseTTL(ttl)
	return &world{sb: sb, px: px, db: db, st: st, sl: sl, svc: svc, sched: sched, log: log}, nil
}

func (w *world) Close() {
	w.db.Close()
	w.px.Close()
}

// seed creates n reps in Slack and the CRM, each owning two scored leads.
func (w *world) seed(ctx context.Context, n int) error {
	for i := range n {
		email := fmt.Sprintf("rep%03d@example.com", i)
		u := w.sb.AddUser(sandbox.User{Name: fmt.Sprintf("rep%03d", i), Email: email, TZ: "UTC"})
		r, err := w.st.UpsertRep(ctx, store.NewRep{Email: email, Name: u.Name, SlackUserID: u.ID, Timezone: "UTC"})
		if err != nil {
			return err
		}
		created := monday0930.AddDate(0, 0, -10)
		for j := range 2 {
			l, err := w.st.UpsertLead(ctx, store.NewLead{ExternalID: fmt.Sprintf("L%d-%d", i, j), Name: fmt.Sprintf("Lead %d-%d", i, j),
				Company: "Co", OwnerID: &r.ID, Source: "Web", CreatedAt: &created})
			if err != nil {
				return err
			}
			if err := w.st.RecordScores(ctx, []store.NewScore{{LeadID: l.ID, Probability: 0.3 + 0.1*float64(j),
				Factors: leadbot.Factors{Factors: []leadbot.Factor{{Column: "Source", Label: "Source: Web", Value: 0.2}}}}}); err != nil {
				return err
			}
		}
		w.users = append(w.users, u)
	}
	return nil
}

// digest runs the digest job once through the scheduler, as production does; ran is false when
// another replica holds the lease.
func (w *world) digest(ctx context.Context, workers int) (ran bool, err error) {
	return w.sched.RunNow(ctx, "digest", func(ctx context.Context) (any, error) {
		return w.svc.RunDigests(ctx, handlers.DigestOptions{Workers: workers})
	})
}

// faultySlack is the real sender with hooks around each digest's delivery, where faults strike.
type faultySlack struct {
	*bot.Sender
	mu     sync.Mutex
	n      int
	before func(i int)
	after  func(i int, err error)
}

// Deliver runs the hooks around the sender's Deliver; i counts deliveries from 0.
func (f *faultySlack) Deliver(ctx context.Context, d bot.Delivery, opts ...slack.MsgOption) (string, string, bool, error) {
	f.mu.Lock()
	i, before, after := f.n, f.before, f.after
	f.n++
	f.mu.Unlock()
	if before != nil {
		before(i)
	}
	ch, ts, found, err := f.Sender.Deliver(ctx, d, opts...)
	if after != nil {
		after(i, err)
	}
	return ch, ts, found, err
}

func (f *faultySlack) hooks(before func(int), after func(int, error)) {
	f.mu.Lock()
	f.before, f.after, f.n = before, after, 0
	f.mu.Unlock()
}
