package crmsync_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/crmsync"
	"github.com/leadbot/leadbot/crmsync/salesforce/sffake"
)

// TestReplicaPairSyncsEachChangeOnce runs two leadbots' crm_sync jobs at the same moment against
// one database: the job's advisory lock lets one pull, and each change is written once, whichever
// runs and however they interleave.
func TestReplicaPairSyncsEachChangeOnce(t *testing.T) {
	w := newWorld(t, sffake.Options{})
	alice := w.user("alice@example.com")
	var ids []string
	for i := range 300 {
		ids = append(ids, w.org.Put("Lead", sffake.Record{"LastName": fmt.Sprint("L", i), "Company": "C", "OwnerId": alice}))
	}
	replicas := []*crmsync.Salesforce{w.engine(), (&world{t: t, org: w.org, st: w.st, now: w.now, share: 1}).engine()}
	round := func() (written int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, r := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := bot.NewScheduler(w.st, nil).RunNow(context.Background(), "crm_sync", func(ctx context.Context) (any, error) {
					st, err := r.Sync(ctx, crmsync.Options{})
					mu.Lock()
					written += st.New + st.Updated
					mu.Unlock()
					return st, err
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		return written
	}
	if n := round(); n != 300 {
		t.Fatalf("first round wrote %d leads, want 300 once each", n)
	}
	for _, id := range ids[:40] {
		w.org.Put("Lead", sffake.Record{"Id": id, "Company": "Changed"})
	}
	if n := round(); n != 40 {
		t.Fatalf("second round wrote %d, want the 40 changes once each", n)
	}
	if n := round(); n != 0 {
		t.Fatalf("third round wrote %d, want nothing", n)
	}
}
