package handlers_test

import (
	"strings"
	"testing"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/sandbox"
)

// teamWorld is a team (Boss, Ann, Bob) whose digest goes to #sales-emea, plus Sam, a stranger
// from another team who is also in the channel.
type teamWorld struct {
	e                 *env
	teams             map[string]handlers.TeamDelivery
	room              sandbox.Channel
	bossU, annU, bobU sandbox.User
	samU              sandbox.User
	boss, ann, bob    leadbot.Rep
	l1, l2, b1        leadbot.Lead
}

func newTeamWorld(t *testing.T, mode string) *teamWorld {
	teams := map[string]handlers.TeamDelivery{}
	w := &teamWorld{teams: teams}
	w.e = newEnv(t, withTeams(teams))
	e := w.e
	w.bossU, w.boss = e.rep("Boss", "Europe/Paris", nil)
	w.annU, w.ann = e.rep("Ann", "Europe/Paris", &w.boss)
	w.bobU, w.bob = e.rep("Bob", "Europe/Paris", &w.boss)
	_, otherBoss := e.rep("Olga", "Europe/Paris", nil)
	w.samU, _ = e.rep("Sam", "Europe/Paris", &otherBoss)
	w.room = e.sb.AddChannel(sandbox.Channel{Name: "sales-emea", BotMember: true,
		Members: []string{w.bossU.ID, w.annU.ID, w.bobU.ID, w.samU.ID}})
	teams[w.boss.Email] = handlers.TeamDelivery{Name: "EMEA", Mode: mode, Channel: w.room.ID}
	w.l1 = e.lead("L1", "Lena Smith", "Acme", w.ann, 0.81)
	w.l2 = e.lead("L2", "Omar Diaz", "Globex", w.ann, 0.42)
	w.b1 = e.lead("B1", "Kim Lee", "Initech", w.bob, 0.66)
	return w
}

func (w *teamWorld) threadReplies(parent sandbox.Message) []sandbox.Message {
	var out []sandbox.Message
	for _, m := range w.e.sb.Messages() {
		if m.Channel == w.room.ID && m.ThreadTS == parent.TS && m.TS != parent.TS {
			out = append(out, m)
		}
	}
	return out
}

func TestChannelDigestOneThreadPerRep(t *testing.T) {
	w := newTeamWorld(t, handlers.DeliverChannel)
	e := w.e
	st := e.digest(handlers.DigestOptions{})
	if st.Sent != 2 {
		t.Fatalf("run: %+v", st)
	}
	parent, err := e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool { return m.Channel == w.room.ID && m.ThreadTS == "" })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(parent.Text, "Today's top leads for the EMEA team") {
		t.Fatalf("parent: %q", parent.Text)
	}
	replies := w.threadReplies(parent)
	if len(replies) != 2 {
		t.Fatalf("%d thread replies, want one per rep", len(replies))
	}
	byRep := map[string]sandbox.Message{}
	for _, r := range replies {
		for _, u := range []sandbox.User{w.annU, w.bobU} {
			if strings.Contains(r.Text, "<@"+u.ID+">") {
				byRep[u.ID] = r
			}
		}
	}
	if !strings.Contains(string(byRep[w.annU.ID].RawBlocks), "Lena Smith") || !strings.Contains(string(byRep[w.bobU.ID].RawBlocks), "Kim Lee") {
		t.Fatal("replies do not carry each rep's own leads")
	}
	if e.messagesIn(w.annU.DM)+e.messagesIn(w.bobU.DM) != 0 {
		t.Fatal("channel-only team also got DMs")
	}
	if st := e.digest(handlers.DigestOptions{}); st.Sent != 0 {
		t.Fatalf("second run sent %d", st.Sent)
	}
	if n := e.messagesIn(w.room.ID); n != 3 {
		t.Fatalf("%d messages in the channel, want 3", n)
	}

	// Feedback in the channel: the owner's click updates the reply for everyone.
	annReply := byRep[w.annU.ID]
	if _, err := e.sb.ClickButton(e.ctx, w.annU, annReply, act(w.l1, handlers.ActionUp)); err != nil {
		t.Fatal(err)
	}
	up, err := e.sb.WaitUpdate(e.ctx, annReply, func(m sandbox.Message) bool { return strings.Contains(string(m.RawBlocks), "recorded") })
	if err != nil {
		t.Fatal(err)
	}
	// A stranger's click: a private reply, nothing recorded.
	if _, err := e.sb.ClickButton(e.ctx, w.samU, up, act(w.l2, handlers.ActionUp)); err != nil {
		t.Fatal(err)
	}
	e.ephemeralFor(w.samU, "belongs to")
	if fb, _ := e.st.FeedbackOnLead(e.ctx, w.l2.ID); len(fb) != 0 {
		t.Fatalf("stranger recorded %+v", fb)
	}
	// The manager judges Bob's lead; the reply shows whose verdict it is.
	bobReply := byRep[w.bobU.ID]
	if _, err := e.sb.ClickButton(e.ctx, w.bossU, bobReply, act(w.b1, handlers.ActionUp)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.WaitUpdate(e.ctx, bobReply, func(m sandbox.Message) bool { return strings.Contains(string(m.RawBlocks), "by Boss") }); err != nil {
		t.Fatal(err)
	}
}

func TestBothDeliversDMAndThreadWithTheSameLeads(t *testing.T) {
	w := newTeamWorld(t, handlers.DeliverBoth)
	e := w.e
	st := e.digest(handlers.DigestOptions{})
	if st.Sent != 4 { // two DMs, two replies
		t.Fatalf("run: %+v", st)
	}
	dm := e.dmTo(w.annU)
	var reply sandbox.Message
	for _, m := range e.sb.Messages() {
		if m.Channel == w.room.ID && m.ThreadTS != "" && strings.Contains(m.Text, w.annU.ID) {
			reply = m
		}
	}
	for _, want := range []string{"Lena Smith", "Omar Diaz"} {
		if !strings.Contains(string(dm.RawBlocks), want) || !strings.Contains(string(reply.RawBlocks), want) {
			t.Fatalf("DM and reply differ on %q", want)
		}
	}
}

func TestChannelWithoutTheBotServesOthersAndTellsTheManagerOnce(t *testing.T) {
	w := newTeamWorld(t, handlers.DeliverChannel)
	e := w.e
	e.sb.SetBotMember(w.room.ID, false)
	// Another team, by DM, must still be served.
	_, olga := e.rep("Olga2", "Europe/Paris", nil)
	zoeU, zoe := e.rep("Zoe", "Europe/Paris", &olga)
	e.lead("Z1", "Zara Smith", "Zed", zoe, 0.5)
	st := e.digest(handlers.DigestOptions{})
	if st.Sent != 1 || st.Blocked != 2 {
		t.Fatalf("run: %+v", st)
	}
	e.dmTo(zoeU)
	notice := e.dmTo(w.bossU)
	if !strings.Contains(notice.Text, "/invite @leadbot") || !strings.Contains(notice.Text, w.room.ID) {
		t.Fatalf("manager notice: %q", notice.Text)
	}
	e.digest(handlers.DigestOptions{})
	if n := e.messagesIn(w.bossU.DM); n != 1 {
		t.Fatalf("manager told %d times, want once", n)
	}
	// Invited: the waiting digests go out on the next run.
	e.sb.SetBotMember(w.room.ID, true)
	if st := e.digest(handlers.DigestOptions{}); st.Sent != 2 {
		t.Fatalf("after the invite: %+v", st)
	}
}

func TestShareInChannelAndMentions(t *testing.T) {
	w := newTeamWorld(t, handlers.DeliverDM)
	e := w.e
	if _, _, err := e.st.RecordFeedback(e.ctx, leadbot.NewFeedback{LeadID: w.l1.ID, RepID: w.ann.ID, Verdict: -1, ReasonCode: "no_budget", Note: "private: CFO said no"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.SlashCommandIn(e.ctx, w.annU, w.room.ID, "/lead", "lena"); err != nil {
		t.Fatal(err)
	}
	card := e.ephemeralFor(w.annU, "Share in channel")
	if _, err := e.sb.ClickButton(e.ctx, w.annU, card, handlers.ActionShare); err != nil {
		t.Fatal(err)
	}
	shared, err := e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool {
		return m.Channel == w.room.ID && strings.Contains(m.Text, "shared a lead")
	})
	if err != nil {
		t.Fatal(err)
	}
	raw := string(shared.RawBlocks)
	if !strings.Contains(raw, "Lena Smith") || !strings.Contains(raw, "81%") || strings.Contains(raw, "CFO said no") || strings.Contains(raw, handlers.ActionUp) {
		t.Fatalf("shared card: %s", raw)
	}
	// Mentions: an allowed lead, a refused one, and help, each answered in a thread.
	mention := func(u sandbox.User, text string) sandbox.Message {
		msg, ack, err := e.sb.Mention(e.ctx, u, w.room.ID, text)
		if err != nil || ack.Failed() {
			t.Fatalf("mention %q: %v %+v", text, err, ack)
		}
		reply, err := e.sb.WaitMessage(e.ctx, func(m sandbox.Message) bool { return m.ThreadTS == msg.TS && m.TS != msg.TS })
		if err != nil {
			t.Fatalf("no thread answer to %q: %v", text, err)
		}
		return reply
	}
	if r := mention(w.bobU, "kim"); !strings.Contains(string(r.RawBlocks), "Kim Lee") || strings.Contains(string(r.RawBlocks), handlers.ActionUp) {
		t.Fatalf("allowed lookup: %s", r.RawBlocks)
	}
	if r := mention(w.samU, "lena"); !strings.Contains(r.Text, "not yours") || strings.Contains(r.Text+string(r.RawBlocks), "81%") {
		t.Fatalf("refused lookup leaked: %q %s", r.Text, r.RawBlocks)
	}
	if r := mention(w.annU, "help"); !strings.Contains(r.Text, "Mention me") {
		t.Fatalf("help: %q", r.Text)
	}
}
