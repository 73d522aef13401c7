package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/leadbot/leadbot/store"
)

// TestTakeCRMCallSharesTheBudget lets replicas together make at most the share of the allowance
// the CRM reported, counted per UTC day; every call goes until an allowance is known.
func TestTakeCRMCallSharesTheBudget(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for range 5 { // no allowance known yet
		if ok, err := st.TakeCRMCall(ctx, "salesforce", day, 0.1); err != nil || !ok {
			t.Fatalf("before any allowance: %v %v", ok, err)
		}
	}
	if err := st.ObserveCRMAllowance(ctx, "salesforce", day, 100); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	allowed := 0
	for range 20 { // two replicas' worth of callers at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := st.TakeCRMCall(ctx, "salesforce", day, 0.1)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 5 { // 10 % of 100, less the 5 already made
		t.Fatalf("%d calls allowed, want 5", allowed)
	}
	calls, max, _ := st.CRMBudget(ctx, "salesforce", day)
	if calls != 10 || max != 100 {
		t.Fatalf("budget %d/%d, want 10/100", calls, max)
	}
	// The next day starts again, with yesterday's allowance known.
	if ok, _ := st.TakeCRMCall(ctx, "salesforce", day.AddDate(0, 0, 1), 0.1); !ok {
		t.Fatal("a new day refused its first call")
	}
	if ok, _ := st.TakeCRMCall(ctx, "hubspot", day, 0.1); !ok {
		t.Fatal("HubSpot's budget is not Salesforce's")
	}
}

// TestReserveHotAlert reserves a lead once, caps a rep's day, and reserves a failed alert again.
func TestReserveHotAlert(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	rep, err := st.UpsertRep(ctx, store.NewRep{Email: "ana@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, ext := range []string{"a", "b", "c"} {
		l, err := st.UpsertLead(ctx, store.NewLead{ExternalID: ext, OwnerID: &rep.ID})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, l.ID)
	}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		lead   int64
		fail   bool // mark it failed after reserving
		perDay int
		want   bool
	}{
		{"first", ids[0], false, 2, true},
		{"same lead again", ids[0], false, 2, false},
		{"second, then its send fails", ids[1], true, 2, true},
		{"a failed one does not count against the cap", ids[2], false, 2, true},
		{"over the cap", ids[1], false, 2, false},
		{"failed one again, with room", ids[1], false, 3, true},
	} {
		ok, err := st.ReserveHotAlert(ctx, tc.lead, rep.ID, day, tc.perDay)
		if err != nil || ok != tc.want {
			t.Fatalf("%s: reserved %v (%v), want %v", tc.name, ok, err, tc.want)
		}
		if ok {
			errText := ""
			if tc.fail {
				errText = "slack down"
			}
			if err := st.MarkHotAlert(ctx, tc.lead, "D1", "1.1", errText); err != nil {
				t.Fatal(err)
			}
		}
	}
}
