package sandbox

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// SetEmptyNotice sets what the page says while no one is in the workspace, for a program that
// knows why (leadbot: reps it knows without Slack ids); "" restores the page's own words.
func (w *Workspace) SetEmptyNotice(text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.emptyNotice = text
}

// AddUser adds a user and their DM with the bot, and returns it with ID and
// DM filled in. A preset ID ("U…" or "W…", not yet taken) is kept, so a
// workspace rebuilt after a restart can match ids stored elsewhere; the DM
// id is derived from the user id, so it is stable too.
func (w *Workspace) AddUser(u User) User {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !validUserID(u.ID) || w.usersByID[u.ID] != nil {
		u.ID = w.newID('U')
		for w.usersByID[u.ID] != nil {
			u.ID = w.newID('U')
		}
	}
	dmID := "D" + u.ID[1:]
	for w.channels[dmID] != nil {
		dmID = w.newID('D')
	}
	if u.RealName == "" {
		u.RealName = u.Name
	}
	if u.TZ == "" {
		u.TZ = "America/New_York"
	}
	if u.IsManager && u.Title == "" {
		u.Title = "Sales Manager"
	}
	dm := &Channel{ID: dmID, IsIM: true, User: u.ID, BotMember: true}
	u.DM = dm.ID
	w.channels[dm.ID] = dm
	w.chanOrder = append(w.chanOrder, dm.ID)
	p := u
	w.users = append(w.users, &p)
	w.usersByID[u.ID] = &p
	w.emit(Event{Kind: EvUserAdded, User: u.ID, Channel: dm.ID})
	return u
}

// validUserID accepts ids shaped like Slack's: U or W, then upper-case
// letters and digits.
func validUserID(id string) bool {
	if len(id) < 2 || (id[0] != 'U' && id[0] != 'W') {
		return false
	}
	for _, r := range id[1:] {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// AddChannel adds a channel ("C…"). Set BotMember for a channel the bot was
// invited to; posting elsewhere fails with not_in_channel, as in Slack.
func (w *Workspace) AddChannel(c Channel) Channel {
	w.mu.Lock()
	defer w.mu.Unlock()
	c.ID = w.newID('C')
	c.Name = strings.TrimPrefix(c.Name, "#")
	c.IsIM = false
	c.Members = slices.Clone(c.Members)
	p := c
	w.channels[c.ID] = &p
	w.chanOrder = append(w.chanOrder, c.ID)
	w.emit(Event{Kind: EvChannelAdded, Channel: c.ID})
	return c
}

// SetBotMember invites the bot to a channel (or removes it).
func (w *Workspace) SetBotMember(channelID string, member bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.channels[channelID]; c != nil && !c.IsIM {
		c.BotMember = member
		w.emit(Event{Kind: EvChannelAdded, Channel: c.ID, Detail: "membership"})
	}
}

// ArchiveChannel archives a channel: posting to it fails with is_archived.
func (w *Workspace) ArchiveChannel(channelID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.channels[channelID]; c != nil {
		c.Archived = true
		w.emit(Event{Kind: EvChannelAdded, Channel: c.ID, Detail: "archived"})
	}
}

// Users returns every human user (not the bot).
func (w *Workspace) Users() []User {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []User
	for _, u := range w.users {
		if !u.IsBot {
			out = append(out, *u)
		}
	}
	return out
}

// Channels returns every conversation, DMs included, in creation order.
func (w *Workspace) Channels() []Channel {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Channel, 0, len(w.chanOrder))
	for _, id := range w.chanOrder {
		c := *w.channels[id]
		c.Members = slices.Clone(c.Members)
		out = append(out, c)
	}
	return out
}

// snapshot copies a message for a reader. Caller holds mu.
func (m *Message) snapshot() Message {
	decodeOnce(&m.Blocks, m.RawBlocks, m.History)
	c := *m
	c.History = slices.Clone(m.History)
	return c
}

// snapshot copies an ephemeral message for a reader. Caller holds mu.
func (e *Ephemeral) snapshot() Ephemeral {
	decodeOnce(&e.Blocks, e.RawBlocks, e.History)
	c := *e
	c.History = slices.Clone(e.History)
	return c
}

// decodeOnce fills in slack-go's view of a message's blocks and revisions the first time someone
// looks: the bot redraws messages far more often than tests and the page read them, and decoding
// costs more than all the rest of a chat.update. Caller holds mu.
func decodeOnce(blocks *slack.Blocks, raw json.RawMessage, history []Revision) {
	if blocks.BlockSet == nil {
		*blocks = decodeBlocks(raw)
	}
	for i := range history {
		if r := &history[i]; r.Blocks.BlockSet == nil {
			r.Blocks = decodeBlocks(r.RawBlocks)
		}
	}
}

func (v *View) snapshot() View {
	c := *v
	if v.Errors != nil {
		c.Errors = make(map[string]string, len(v.Errors))
		for k, x := range v.Errors {
			c.Errors[k] = x
		}
	}
	return c
}

// Messages returns every message (deleted ones too, flagged), oldest first.
func (w *Workspace) Messages() []Message {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Message, len(w.messages))
	for i, m := range w.messages {
		out[i] = m.snapshot()
	}
	return out
}

// Message returns the current state of the message at channel/ts.
func (w *Workspace) Message(channel, ts string) (Message, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if m := w.findMessage(channel, ts); m != nil {
		return m.snapshot(), true
	}
	return Message{}, false
}

// RawBlocks returns the current blocks of the message at channel/ts exactly as the bot sent
// them, without the decoding that Message does.
func (w *Workspace) RawBlocks(channel, ts string) (json.RawMessage, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if m := w.findMessage(channel, ts); m != nil {
		return m.RawBlocks, true
	}
	return nil, false
}

// Ephemerals returns every ephemeral message, oldest first.
func (w *Workspace) Ephemerals() []Ephemeral {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Ephemeral, len(w.ephemerals))
	for i, e := range w.ephemerals {
		out[i] = e.snapshot()
	}
	return out
}

// Views returns every view ever opened or published, open or not.
func (w *Workspace) Views() []View {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]View, 0, len(w.views))
	for _, v := range w.views {
		out = append(out, v.snapshot())
	}
	slices.SortFunc(out, func(a, b View) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Home returns the user's published Home tab.
func (w *Workspace) Home(u User) (View, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if id, ok := w.home[u.ID]; ok {
		return w.views[id].snapshot(), true
	}
	return View{}, false
}

// Modals returns the user's open modal stack, root first.
func (w *Workspace) Modals(u User) []View {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []View
	for _, id := range w.modals[u.ID] {
		out = append(out, w.views[id].snapshot())
	}
	return out
}

// Calls returns every Web API call made so far.
func (w *Workspace) Calls() []APICall {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.calls)
}

// CallCount counts calls of one method (including rejected ones).
func (w *Workspace) CallCount(method string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, c := range w.calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

// Acks returns the outcome of every envelope whose fate is known.
func (w *Workspace) Acks() []AckResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.acks)
}

// AckLatencies returns the latency of every acked envelope, in order.
func (w *Workspace) AckLatencies() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []time.Duration
	for _, a := range w.acks {
		if a.Acked {
			out = append(out, a.Latency)
		}
	}
	return out
}

// WaitMessage waits until some current message (not deleted) matches pred,
// and returns it. Combine with Message.Version or History to wait for an
// update.
func (w *Workspace) WaitMessage(ctx context.Context, pred func(Message) bool) (Message, error) {
	var got Message
	err := w.waitFor(ctx, "message", func() bool {
		for _, m := range w.Messages() {
			if !m.Deleted && pred(m) {
				got = m
				return true
			}
		}
		return false
	})
	return got, err
}

// WaitUpdate waits until the message m was updated past the version given
// and matches pred (nil matches any update).
func (w *Workspace) WaitUpdate(ctx context.Context, m Message, pred func(Message) bool) (Message, error) {
	var got Message
	err := w.waitFor(ctx, "message update", func() bool {
		s, ok := w.Message(m.Channel, m.TS)
		if !ok || len(s.History) <= len(m.History) {
			return false
		}
		if pred == nil || pred(s) {
			got = s
			return true
		}
		return false
	})
	return got, err
}

// WaitDeleted waits until the message m is deleted.
func (w *Workspace) WaitDeleted(ctx context.Context, m Message) error {
	return w.waitFor(ctx, "message deletion", func() bool {
		cur, ok := w.Message(m.Channel, m.TS)
		return ok && cur.Deleted
	})
}

// WaitEphemeral waits until some ephemeral message matches pred.
func (w *Workspace) WaitEphemeral(ctx context.Context, pred func(Ephemeral) bool) (Ephemeral, error) {
	var got Ephemeral
	err := w.waitFor(ctx, "ephemeral", func() bool {
		for _, e := range w.Ephemerals() {
			if !e.Deleted && pred(e) {
				got = e
				return true
			}
		}
		return false
	})
	return got, err
}

// WaitView waits until an open modal or a Home tab matches pred.
func (w *Workspace) WaitView(ctx context.Context, pred func(View) bool) (View, error) {
	var got View
	err := w.waitFor(ctx, "view", func() bool {
		for _, v := range w.Views() {
			if v.Open && pred(v) {
				got = v
				return true
			}
		}
		return false
	})
	return got, err
}

// WaitConnected waits until at least n Socket Mode connections are open.
func (w *Workspace) WaitConnected(ctx context.Context, n int) error {
	return w.waitFor(ctx, "connection", func() bool { return w.sock.count() >= n })
}

func (w *Workspace) findMessage(channel, ts string) *Message {
	for i := len(w.messages) - 1; i >= 0; i-- {
		if m := w.messages[i]; m.TS == ts && m.Channel == channel {
			return m
		}
	}
	return nil
}

// decodeBlocks turns raw blocks into slack-go's types for inspection; the
// raw JSON stays authoritative.
func decodeBlocks(raw json.RawMessage) slack.Blocks {
	var b slack.Blocks
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &b)
	}
	return b
}
