package main

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/leadbot/leadbot/sandbox"
)

// runFault runs one fault on a fresh database (dsn, migrated) and Slack with realistic limits,
// then counts.
func runFault(ctx context.Context, fl fault, dsn string, reps int, restart func() (string, error), log *slog.Logger) (result, error) {
	res := result{Fault: fl.name, Reps: reps}
	sb, err := sandbox.Start(sandbox.Config{Logger: log})
	if err != nil {
		return res, err
	}
	defer sb.Close()
	a, err := newWorld(sb, dsn, 6*time.Second, nil, log)
	if err != nil {
		return res, err
	}
	defer a.Close()
	if err := a.seed(ctx, reps); err != nil {
		return res, err
	}
	f := &fixture{sb: sb, dsn: dsn, a: a, reps: reps, log: log, restart: restart}
	start := time.Now()
	if err := fl.run(ctx, f); err != nil {
		if errors.Is(err, errSkip) {
			return res, err
		}
		log.Warn("fault run ended with an error", "fault", fl.name, "err", err)
	}
	res.Took = time.Since(start)
	// Whatever the fault left undone is the next tick's: one more run after it cleared.
	if err := f.rerun(ctx); err != nil {
		log.Warn("clean-up run", "fault", fl.name, "err", err)
	}
	return tally(ctx, f, res)
}

// tally counts, per rep, the bot's messages in their DM and the digest the database recorded.
func tally(ctx context.Context, f *fixture, res result) (result, error) {
	msgs := map[string][]string{}
	for _, m := range f.sb.Messages() {
		if m.BotID != "" && !m.Deleted {
			msgs[m.Channel] = append(msgs[m.Channel], m.TS)
		}
	}
	var recorded []struct {
		Channel string `db:"channel"`
		TS      string `db:"message_ts"`
	}
	if err := f.a.db.SelectContext(ctx, &recorded, `SELECT channel, message_ts FROM digests WHERE status = 'sent'`); err != nil {
		return res, err
	}
	rec := map[string]string{}
	for _, r := range recorded {
		rec[r.Channel] = r.TS
	}
	for _, u := range f.a.users {
		got := msgs[u.DM]
		switch {
		case len(got) == 0:
			res.Lost++
			continue
		case len(got) > 1:
			res.Dup += len(got) - 1
		}
		res.Sent++
		if rec[u.DM] == got[0] {
			res.Acked++
		}
		if !f.first[u.DM] {
			res.Late++
		}
	}
	return res, nil
}

func openDB(dsn string) (*sql.DB, error) { return sql.Open("postgres", dsn) }
