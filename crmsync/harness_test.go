package crmsync_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"
	"time"

	"github.com/leadbot/leadbot/crmsync"
	"github.com/leadbot/leadbot/crmsync/salesforce"
	"github.com/leadbot/leadbot/crmsync/salesforce/sffake"
	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

// testKey is the connected app's key pair, made once per test process.
func testKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	})
	return key
}

// world is a fake org, a database and a sync between them.
type world struct {
	t     testing.TB
	org   *sffake.Server
	st    *store.Store
	now   time.Time
	sleep []time.Duration
	share float64
	wb    *crmsync.WriteBackFields
	batch int
	// overlap is the engine's overlap window (0: its default).
	overlap time.Duration
	eng     *crmsync.Salesforce
}

func newWorld(t testing.TB, opt sffake.Options) *world {
	t.Helper()
	k := testKey(t)
	opt.ConsumerKey, opt.Username, opt.PublicKey = "3MVG9fake", "leadbot@example.com", &k.PublicKey
	org := sffake.Start(opt)
	t.Cleanup(org.Close)
	w := &world{t: t, org: org, st: store.New(pgtest.NewDB(t)), now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), share: 0.1}
	ctx := context.Background()
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		if _, err := w.st.UpsertRep(ctx, store.NewRep{Email: email, Name: email[:3]}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// user creates a Salesforce user and returns its id.
func (w *world) user(email string) string {
	return w.org.Put("User", sffake.Record{"Email": email, "Name": email, "IsActive": true})
}

func (w *world) client() *salesforce.Client {
	return salesforce.New(salesforce.Config{
		Auth:   salesforce.Auth{LoginURL: w.org.URL, ConsumerKey: "3MVG9fake", Username: "leadbot@example.com", PrivateKey: testKey(w.t)},
		Budget: &crmsync.Budget{Store: w.st, System: "salesforce", Share: w.share, Now: func() time.Time { return w.now }},
		Sleep: func(_ context.Context, d time.Duration) error {
			w.sleep = append(w.sleep, d)
			return nil
		},
	})
}

// engine is the world's sync, made once: one client, one access token, as in a running leadbot.
func (w *world) engine() *crmsync.Salesforce {
	if w.eng == nil {
		w.eng = &crmsync.Salesforce{Client: w.client(), Store: w.st, Now: func() time.Time { return w.now },
			Config: crmsync.SalesforceConfig{Attributes: []string{"Industry", "NumberOfEmployees"}, WriteBack: w.wb,
				BatchSize: w.batch, Overlap: w.overlap}}
	}
	return w.eng
}

func (w *world) sync(opt crmsync.Options) crmsync.Stats {
	w.t.Helper()
	st, err := w.engine().Sync(context.Background(), opt)
	if err != nil {
		w.t.Fatalf("sync: %v", err)
	}
	return st
}
