package bot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/store"
)

// renewals is a JobStore over a real database whose lease renewals can be made to fail (the
// database unreachable) and are announced on renewed.
type renewals struct {
	*store.Store
	fail    bool
	renewed chan store.Lease
}

func (r *renewals) RenewLease(ctx context.Context, l store.Lease, ttl time.Duration) (store.Lease, error) {
	if r.fail {
		return l, &leadbot.Error{Code: leadbot.EUNAVAILABLE, Err: errors.New("connection refused")}
	}
	nl, err := r.Store.RenewLease(ctx, l, ttl)
	if err == nil {
		select {
		case r.renewed <- nl:
		default:
		}
	}
	return nl, err
}

// A job whose lease cannot be renewed is stopped before the lease expires, and its run is
// recorded as failed for that reason; a job whose lease is renewed runs on past its first term.
func TestSchedulerStopsJobThatLostItsLease(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := store.New(pgtest.NewDB(t))
	for _, tc := range []struct {
		name    string
		fail    bool
		wantErr bool
	}{
		{"renewed", false, false},
		{"unreachable", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := &renewals{Store: st, fail: tc.fail, renewed: make(chan store.Lease, 1)}
			s := bot.NewScheduler(js, nil)
			s.SetLeaseTTL(600 * time.Millisecond)
			var first store.Lease
			ran, err := s.RunNow(ctx, "job-"+tc.name, func(jctx context.Context) (any, error) {
				first, _ = store.LeaseFrom(jctx)
				if tc.fail {
					<-jctx.Done()
					return nil, context.Cause(jctx)
				}
				for range 3 { // three renewals: the job outlives its first lease term
					select {
					case l := <-js.renewed:
						if !l.Expires.After(first.Expires) {
							return nil, errors.New("renewal did not extend the lease")
						}
					case <-jctx.Done():
						return nil, context.Cause(jctx)
					}
				}
				return nil, nil
			})
			if !ran || (err != nil) != tc.wantErr || (tc.wantErr && !errors.Is(err, bot.ErrLeaseLost)) {
				t.Fatalf("ran=%v err=%v, want error %v (ErrLeaseLost)", ran, err, tc.wantErr)
			}
			runs, _ := st.JobRuns(ctx, "job-"+tc.name, 1)
			if want := map[bool]string{true: "failed", false: "ok"}[tc.wantErr]; len(runs) != 1 || runs[0].Outcome != want {
				t.Fatalf("job run = %+v, want outcome %s", runs, want)
			}
		})
	}
}

// Start closes the runs a killed process left "running" for ever.
func TestSchedulerStartClosesDeadRuns(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.NewDB(t))
	l, _, err := st.ClaimLease(ctx, "digest", "killed/9", 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.StartLeasedRun(ctx, l); err != nil {
		t.Fatal(err)
	}
	// The killed process's lease runs out (its expiry set in the past rather than waited for).
	if _, err := st.DB().ExecContext(ctx, `UPDATE job_leases SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	s := bot.NewScheduler(st, nil)
	s.Start()
	s.Stop()
	runs, _ := st.JobRuns(ctx, "digest", 5)
	if len(runs) != 1 || runs[0].Outcome != "failed" || runs[0].FinishedAt == nil {
		t.Fatalf("the dead run must be closed on start: %+v", runs)
	}
}
