package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leadbot/leadbot/store"
)

// A lease is claimed by one holder at a time, renewed only while held, and fences the digest
// writes made under it: once another holder has claimed it, the old holder's next send is refused.
func TestLeaseClaimRenewFence(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	a, ok, err := st.ClaimLease(ctx, "digest", "host-a/1", time.Minute)
	if err != nil || !ok || a.Token != 1 {
		t.Fatalf("first claim: %+v ok=%v err=%v", a, ok, err)
	}
	if _, ok, err := st.ClaimLease(ctx, "digest", "host-b/2", time.Minute); err != nil || ok {
		t.Fatalf("a held lease must not be claimed again: ok=%v err=%v", ok, err)
	}
	if a, err = st.RenewLease(ctx, a, time.Minute); err != nil {
		t.Fatalf("renew a held lease: %v", err)
	}

	_, rep := team(t, st)
	d, _, err := st.ReserveDigest(ctx, rep.ID, day("2026-03-02"), "rep", nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Margin = 10 * time.Second
	underA := store.WithLease(ctx, a)
	if ok, err := st.MarkDigestSending(underA, d.ID); err != nil || !ok {
		t.Fatalf("send under a held lease: ok=%v err=%v", ok, err)
	}
	long := a
	long.Margin = 2 * time.Minute
	if ok, err := st.MarkDigestSending(store.WithLease(ctx, long), d.ID); !errors.Is(err, store.ErrLeaseLost) || ok {
		t.Fatalf("a lease that will not last the send must refuse it: ok=%v err=%v", ok, err)
	}

	// The lease expires (its holder stopped renewing) and another replica claims it.
	a, _ = st.RenewLease(ctx, a, time.Millisecond)
	b := waitClaim(t, st, "host-b/2")
	if b.Token != a.Token+1 {
		t.Fatalf("a new claim must raise the token: %d after %d", b.Token, a.Token)
	}
	if _, err := st.RenewLease(ctx, a, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("the old holder must learn it lost the lease, got %v", err)
	}
	if ok, err := st.MarkDigestSending(underA, d.ID); !errors.Is(err, store.ErrLeaseLost) || ok {
		t.Fatalf("a send under a lost lease must be refused: ok=%v err=%v", ok, err)
	}
	if err := st.MarkDigestSent(ctx, d.ID, "D1", "1.1"); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.MarkDigestSending(store.WithLease(ctx, b), d.ID); err != nil || ok {
		t.Fatalf("a sent digest is not sent again: ok=%v err=%v", ok, err)
	}
	if err := st.ReleaseLease(ctx, b); err != nil {
		t.Fatal(err)
	}
	if c, ok, err := st.ClaimLease(ctx, "digest", "host-a/1", time.Minute); err != nil || !ok || c.Token != b.Token+1 {
		t.Fatalf("a released lease is free at once: %+v ok=%v err=%v", c, ok, err)
	}
}

// waitClaim claims the digest lease for holder once the current one has expired.
func waitClaim(t *testing.T, st *store.Store, holder string) store.Lease {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		l, ok, err := st.ClaimLease(context.Background(), "digest", holder, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return l
		}
	}
	t.Fatal("the expired lease was never free")
	return store.Lease{}
}

// Runs left "running" by a process that died are closed; the run that holds the lease is not.
func TestCloseDeadRuns(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	if _, err := st.StartJobRun(ctx, "digest", "gone/1"); err != nil { // an old run, no lease
		t.Fatal(err)
	}
	l, ok, err := st.ClaimLease(ctx, "digest", "here/2", time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	live, err := st.StartLeasedRun(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := st.CloseDeadRuns(ctx, ""); err != nil || n != 1 {
		t.Fatalf("closed %d dead runs (%v), want 1", n, err)
	}
	runs, _ := st.JobRuns(ctx, "digest", 10)
	for _, r := range runs {
		if want := map[bool]string{true: "running", false: "failed"}[r.ID == live]; r.Outcome != want {
			t.Errorf("run %d (%s): outcome %s, want %s", r.ID, r.Host, r.Outcome, want)
		}
	}
}
