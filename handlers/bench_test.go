package handlers_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/store"
)

// seedTeam makes reps reps (in Paris) with perRep scored leads each, directly in the database.
func seedTeam(b testing.TB, e *env, reps, perRep int) []sandbox.User {
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
			scores = append(scores, store.NewScore{LeadID: l.ID, Probability: 0.1 + 0.05*float64(j), Factors: leadbot.Factors{Base: -1,
				Factors: []leadbot.Factor{{Column: "Source", Label: "Lead Source: Web", Value: 0.4}, {Column: "Country", Label: "Country: missing", Value: -0.2}}}})
		}
		if err := e.st.RecordScores(e.ctx, scores); err != nil {
			b.Fatal(err)
		}
		users = append(users, u)
	}
	return users
}

// BenchmarkAckLatencyClickBurst fires 1,000 👍 clicks on distinct leads of 200 digests and
// reports the bot's ack latency as the sandbox measures it: from the envelope frame written to
// the ack frame read. The work (recording the verdict and redrawing the digest) runs after each
// ack, concurrently with the burst. Two kinds of burst:
//
//   - rate=N: the clicks arrive at N a second on average (Poisson arrivals, the same sequence in
//     every run), each whatever the others are waiting for, as people's clicks do. This is the
//     ack latency a burst of clicks sees.
//   - users=N: N users each click again as soon as their last click is acked (a closed loop).
//     This keeps every core of the machine busy, so its latency is mostly the queue for the CPU
//     that the sandbox, the simulated users, PostgreSQL and the bot share: a measure of
//     throughput under saturation more than of the ack path.
//
// bot=process runs the bot as production does: the leadbot binary (`leadbot serve`) in a process
// of its own, with its own heap and garbage collector, while this process plays Slack and the
// users. bot=inprocess runs the same bot on this process's heap and scheduler.
func BenchmarkAckLatencyClickBurst(b *testing.B) {
	bin := buildLeadbot(b)
	type load struct {
		name  string
		users int     // closed loop: users clicking again at each ack
		rate  float64 // open loop: clicks a second
	}
	loads := []load{{"rate=250", 0, 250}, {"rate=500", 0, 500}, {"users=10", 10, 0}, {"users=50", 50, 0}}
	for _, mode := range []string{"process", "inprocess"} {
		for _, l := range loads {
			b.Run("bot="+mode+"/"+l.name, func(b *testing.B) {
				opts := []envOption{unlimitedSlack(20 * time.Minute)}
				if mode == "process" {
					opts = append(opts, botProcess(bin))
				}
				benchClicks(b, newEnv(b, opts...), l.users, l.rate)
			})
		}
	}
}

// arrivals returns n arrival offsets of a Poisson process of rate a second, from a fixed seed.
func arrivals(n int, rate float64) []time.Duration {
	r := rand.New(rand.NewPCG(5, 1000))
	out := make([]time.Duration, n)
	var t float64
	for i := range out {
		t += r.ExpFloat64() / rate
		out[i] = time.Duration(t * float64(time.Second))
	}
	return out
}

// benchClicks clicks every lead of 200 digests once: from clickers users in a closed loop, or,
// with clickers 0, at rate clicks a second in an open one.
func benchClicks(b *testing.B, e *env, clickers int, rate float64) {
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
	// Round-robin over the digests: each rep's clicks are 200 apart, as different people's clicks
	// interleave, so every click redraws its digest (clicks in a row on one digest would be folded
	// into one redraw and flatter the figures).
	var perDigest [][]click
	for _, u := range users {
		m, err := e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool { return m.Channel == u.DM })
		if err != nil {
			b.Fatal(err)
		}
		// Action blocks are "actions_<lead id>".
		var cs []click
		for _, part := range strings.Split(string(m.RawBlocks), `"block_id":"actions_`)[1:] {
			id := part[:strings.IndexByte(part, '"')]
			cs = append(cs, click{u, m, "actions_" + id + "/" + handlers.ActionUp})
		}
		perDigest = append(perDigest, cs)
	}
	var clicks []click
	for j := range perRep {
		for _, cs := range perDigest {
			clicks = append(clicks, cs[j])
		}
	}
	b.ResetTimer()
	for range b.N {
		before := len(e.sb.Acks())
		burst := time.Now()
		seq, updatesBefore, replacedBefore := e.sb.Seq(), e.sb.CallCount("chat.update"), e.sb.CallCount("response_url")
		cpu0, cpuErr := sampleCPU(e.botPID)
		var wg sync.WaitGroup
		press := func(c click) bool {
			if _, err := e.sb.ClickButton(e.ctx, c.u, c.m, c.id); err != nil {
				b.Error(err)
				return false
			}
			return true
		}
		if clickers == 0 {
			for i, at := range arrivals(len(clicks), rate) {
				time.Sleep(time.Until(burst.Add(at)))
				wg.Go(func() { press(clicks[i]) })
			}
		}
		var next atomic.Int64
		for range clickers {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < len(clicks) && press(clicks[i]); i = int(next.Add(1)) - 1 {
				}
			})
		}
		wg.Wait()
		b.ReportMetric(time.Since(burst).Seconds(), "acked-s")
		if cpu1, err := sampleCPU(e.botPID); err == nil && cpuErr == nil {
			// CPU per click while the burst was acked, split between the machine's processes.
			used, per := cpu1.sub(cpu0), func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(len(clicks)) }
			b.ReportMetric(per(used.machine), "cpu-ms/click")
			if e.botPID != 0 {
				b.ReportMetric(per(used.bot), "bot-cpu-ms/click")
				b.ReportMetric(per(used.self), "slack-cpu-ms/click")
			} else {
				b.ReportMetric(per(used.self), "bot+slack-cpu-ms/click")
			}
		}
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
		// Redraws: through the clicks' response_urls, or chat.update when one was refused.
		b.ReportMetric(float64(e.sb.CallCount("response_url")-replacedBefore), "replaced")
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
