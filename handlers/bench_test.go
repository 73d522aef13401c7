package handlers_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/store"
)

// seedTeam makes reps reps (in Paris) with perRep scored leads each, directly in the database.
func seedTeam(b *testing.B, e *env, reps, perRep int) []sandbox.User {
	boss, err := e.st.UpsertRep(e.ctx, store.NewRep{Email: "boss@example.com", Name: "Boss", IsManager: true, Timezone: "Europe/Paris"})
	if err != nil {
		b.Fatal(err)
	}
	var users []sandbox.User
	for i := range reps {
		name := fmt.Sprintf("rep%04d", i)
		u := e.sb.AddUser(sandbox.User{Name: name, Email: name + "@example.com", TZ: "Europe/Paris"})
		r, err := e.st.UpsertRep(e.ctx, store.NewRep{Email: u.Email, Name: name, SlackUserID: u.ID, ManagerEmail: boss.Email, Timezone: "Europe/Paris"})
		if err != nil {
			b.Fatal(err)
		}
		var scores []store.NewScore
		for j := range perRep {
			l, err := e.st.UpsertLead(e.ctx, store.NewLead{ExternalID: fmt.Sprintf("%s-%d", name, j), Name: fmt.Sprintf("Lead %d of %s", j, name), Company: "Co", OwnerID: &r.ID, Source: "Web"})
			if err != nil {
				b.Fatal(err)
			}
			scores = append(scores, store.NewScore{LeadID: l.ID, Probability: 0.1 + 0.05*float64(j), Factors: store.Factors{Base: -1,
				Factors: []store.Factor{{Column: "Source", Label: "Lead Source: Web", Value: 0.4}, {Column: "Country", Label: "Country: missing", Value: -0.2}}}})
		}
		if err := e.st.RecordScores(e.ctx, scores); err != nil {
			b.Fatal(err)
		}
		users = append(users, u)
	}
	return users
}

// BenchmarkAckLatencyClickBurst fires 1,000 👍 clicks (10 or 50 users clicking concurrently, each
// as fast as the acks come back, on distinct leads of their digests) and reports the bot's ack
// latency as the sandbox measures it:
// from the envelope frame written to the ack frame read. The work (recording the verdict and
// redrawing the digest) runs after each ack, concurrently with the burst.
func BenchmarkAckLatencyClickBurst(b *testing.B) {
	for _, clickers := range []int{10, 50} {
		b.Run(fmt.Sprintf("users=%d", clickers), func(b *testing.B) { benchClicks(b, clickers) })
	}
}

func benchClicks(b *testing.B, clickers int) {
	e := newEnv(b, unlimitedSlack(20*time.Minute))
	const reps, perRep = 200, 5 // 1,000 clickable leads, five per digest
	users := seedTeam(b, e, reps, perRep)
	if _, err := e.svc.RunDigests(e.ctx, handlers.DigestOptions{Force: true, Workers: 16}); err != nil {
		b.Fatal(err)
	}
	type click struct {
		u  sandbox.User
		m  sandbox.Message
		id string
	}
	var clicks []click
	for _, u := range users {
		m, err := e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool { return m.Channel == u.DM })
		if err != nil {
			b.Fatal(err)
		}
		// Action blocks are "actions_<lead id>".
		for _, part := range strings.Split(string(m.RawBlocks), `"block_id":"actions_`)[1:] {
			id := part[:strings.IndexByte(part, '"')]
			clicks = append(clicks, click{u, m, "actions_" + id + "/" + handlers.ActionUp})
		}
	}
	b.ResetTimer()
	for range b.N {
		before := len(e.sb.Acks())
		burst := time.Now()
		seq, updatesBefore := e.sb.Seq(), e.sb.CallCount("chat.update")
		var wg sync.WaitGroup
		var next atomic.Int64
		for range clickers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= len(clicks) {
						return
					}
					c := clicks[i]
					if _, err := e.sb.ClickButton(e.ctx, c.u, c.m, c.id); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(time.Since(burst).Seconds(), "acked-s")
		acks := e.sb.Acks()[before:]
		var lat []time.Duration
		failed := 0
		for _, a := range acks {
			lat = append(lat, a.Latency)
			if a.Failed() {
				failed++
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(len(lat)), "clicks")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(failed), "failed")
		// How long until every click's work (verdict recorded, digest redrawn) is done: the other
		// side of the trade between ack latency and worker count. It is done when every digest
		// shows each of its leads judged (an Undo button per lead), however many chat.update
		// calls that took: the bot folds the redraws of one message asked for at once.
		unjudged := map[string]int{} // channel/ts → leads clicked
		for _, c := range clicks {
			unjudged[c.m.Channel+"/"+c.m.TS]++
		}
		undo := `"action_id":"` + handlers.ActionUndo + `"`
		if _, err := e.sb.WaitEvent(e.ctx, seq, func(ev sandbox.Event) bool {
			key := ev.Channel + "/" + ev.TS
			if n, ok := unjudged[key]; ok && ev.Kind == sandbox.EvMessageUpdated {
				if raw, _ := e.sb.RawBlocks(ev.Channel, ev.TS); strings.Count(string(raw), undo) >= n {
					delete(unjudged, key)
				}
			}
			return len(unjudged) == 0
		}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(burst).Seconds(), "all-work-done-s")
		b.StopTimer()
		var recorded int
		if err := e.st.DB().GetContext(e.ctx, &recorded, `SELECT count(*) FROM feedback WHERE undone_at IS NULL`); err != nil {
			b.Fatal(err)
		}
		if recorded != len(clicks) {
			b.Fatalf("%d clicks recorded %d verdicts", len(clicks), recorded)
		}
		b.ReportMetric(float64(e.sb.CallCount("chat.update")-updatesBefore), "updates")
		if _, err := e.st.DB().ExecContext(e.ctx, `DELETE FROM feedback`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkDigestThousandReps sends a digest of 5 leads to each of 1,000 reps under the
// sandbox's realistic rate limits (chat.postMessage: 1/s per channel, 10/s burst 30
// workspace-wide) and reports the time against the least time those limits allow, with lost and
// duplicated messages counted.
func BenchmarkDigestThousandReps(b *testing.B) {
	const reps = 1000
	e := newEnv(b, realisticSlack(20*time.Minute))
	seedTeam(b, e, reps, 5)
	limit := e.sb.Config().RateLimits.PostMessageWorkspace
	ideal := time.Duration(float64(reps-limit.Burst) / limit.Rate * float64(time.Second))
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		st, err := e.svc.RunDigests(e.ctx, handlers.DigestOptions{Force: true, Workers: 32})
		took := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		perChannel := map[string]int{}
		for _, m := range e.sb.Messages() {
			perChannel[m.Channel]++
		}
		dup, lost := 0, 0
		for _, n := range perChannel {
			dup += max(0, n-1)
		}
		lost = reps - len(perChannel)
		var limited int
		for _, c := range e.sb.Calls() {
			if c.Status == 429 {
				limited++
			}
		}
		b.ReportMetric(float64(st.Sent), "sent")
		b.ReportMetric(float64(lost), "lost")
		b.ReportMetric(float64(dup), "duplicated")
		b.ReportMetric(float64(limited), "429s")
		b.ReportMetric(took.Seconds(), "s")
		b.ReportMetric(ideal.Seconds()/took.Seconds(), "of-limit")
		if _, err := e.st.DB().ExecContext(e.ctx, `DELETE FROM digests`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
