package sandbox

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// resolveChannel finds a conversation by id, by name ("#general" or
// "general"), or by user id (which Slack maps to the user's DM with the
// app). Caller holds mu.
func (w *Workspace) resolveChannel(ref string) *Channel {
	if c := w.channels[ref]; c != nil {
		return c
	}
	if u := w.usersByID[ref]; u != nil && u.DM != "" {
		return w.channels[u.DM]
	}
	name := strings.TrimPrefix(ref, "#")
	for _, id := range w.chanOrder {
		if c := w.channels[id]; !c.IsIM && c.Name == name {
			return c
		}
	}
	return nil
}

// writableChannel applies Slack's posting errors. Caller holds mu.
func (w *Workspace) writableChannel(ref string) (*Channel, *apiError) {
	if ref == "" {
		return nil, fail("channel_not_found")
	}
	c := w.resolveChannel(ref)
	switch {
	case c == nil:
		return nil, fail("channel_not_found")
	case c.Archived:
		return nil, fail("is_archived")
	case !c.BotMember:
		return nil, fail("not_in_channel")
	}
	return c, nil
}

// messageJSON renders a message as Slack does inside payloads and responses.
func (w *Workspace) messageJSON(m *Message) obj {
	o := obj{"type": "message", "text": m.Text, "user": m.User, "ts": m.TS, "team": w.cfg.TeamID}
	if m.BotID != "" {
		o["bot_id"], o["app_id"] = m.BotID, w.appID
	}
	if m.ThreadTS != "" {
		o["thread_ts"] = m.ThreadTS
	}
	if len(m.RawBlocks) > 0 {
		o["blocks"] = m.RawBlocks
	}
	return o
}

// truncateText applies Slack's 40 000-character truncation and says whether it happened.
func truncateText(s string) (string, bool) {
	if utf8.RuneCountInString(s) <= maxMessageText {
		return s, false
	}
	return string([]rune(s)[:maxMessageText]), true
}

// postBot records a bot message. Caller holds mu.
func (w *Workspace) postBot(c *Channel, text string, blocks json.RawMessage, threadTS, by string) *Message {
	m := &Message{Channel: c.ID, TS: w.newTS(), ThreadTS: threadTS, User: w.botUserID, BotID: w.botID,
		Text: text, RawBlocks: blocks} // Blocks decoded when read (snapshot)
	m.History = []Revision{{Text: text, RawBlocks: blocks, At: time.Now(), By: by}}
	w.messages = append(w.messages, m)
	w.emit(Event{Kind: EvMessagePosted, Channel: c.ID, TS: m.TS, User: m.User, Method: by})
	return m
}

// updateMessage records a new revision. Caller holds mu.
func (w *Workspace) updateMessage(m *Message, text string, blocks json.RawMessage, by string) {
	m.Text, m.RawBlocks, m.Blocks = text, blocks, slack.Blocks{} // decoded when read (snapshot)
	m.History = append(m.History, Revision{Text: text, RawBlocks: blocks, At: time.Now(), By: by})
	w.emit(Event{Kind: EvMessageUpdated, Channel: m.Channel, TS: m.TS, Method: by})
}

func (w *Workspace) deleteMessage(m *Message, by string) {
	m.Deleted = true
	w.emit(Event{Kind: EvMessageDeleted, Channel: m.Channel, TS: m.TS, Method: by})
}

// postEphemeral records an ephemeral message. Caller holds mu.
func (w *Workspace) postEphemeral(channel, user, text string, blocks json.RawMessage, threadTS, source string) *Ephemeral {
	e := &Ephemeral{Channel: channel, User: user, TS: w.newTS(), ThreadTS: threadTS, Text: text,
		RawBlocks: blocks, Source: source} // Blocks decoded when read (snapshot)
	e.History = []Revision{{Text: text, RawBlocks: blocks, At: time.Now(), By: source}}
	w.ephemerals = append(w.ephemerals, e)
	w.emit(Event{Kind: EvEphemeral, Channel: channel, User: user, TS: e.TS, Method: source})
	return e
}

func (w *Workspace) apiPostMessage(a *apiReq) (obj, *apiError) {
	c, e := w.writableChannel(a.str("channel"))
	if e != nil {
		return nil, e
	}
	blocks, atts := a.rawJSON("blocks"), a.rawJSON("attachments")
	text := a.str("text")
	if md := a.str("markdown_text"); md != "" {
		if text != "" || len(blocks) > 0 {
			return nil, fail("markdown_text_conflict")
		}
		text = md
	}
	if e := checkMessage(text, blocks, atts, true); e != nil {
		return nil, e
	}
	meta, e := checkMetadata(a.rawJSON("metadata"))
	if e != nil {
		return nil, e
	}
	text, truncated := truncateText(text)
	// Slack documents no error for an unknown thread_ts; the reply is kept
	// with it as given.
	thread := a.str("thread_ts")
	m := w.postBot(c, text, blocks, thread, "chat.postMessage")
	m.Metadata = meta
	msg := w.messageJSON(m)
	msg["subtype"] = "bot_message"
	res := obj{"channel": c.ID, "ts": m.TS, "message": msg}
	if truncated {
		res["response_metadata"] = obj{"warnings": []string{"message_truncated"}}
		res["warning"] = "message_truncated"
	}
	return res, nil
}

// editableChannel resolves the channel of chat.update / chat.delete. Unlike
// posting, Slack wants the conversation id here: a user id does not name
// the DM ("ensure that this value is a DM ID"). Caller holds mu.
func (w *Workspace) editableChannel(ref string) *Channel {
	if strings.HasPrefix(ref, "U") || strings.HasPrefix(ref, "W") {
		return nil
	}
	return w.resolveChannel(ref)
}

// botMessage finds the bot's own message that chat.update / chat.delete name, with Slack's
// errors; denied is the code for a message that is not the bot's.
func (w *Workspace) botMessage(a *apiReq, denied string) (*Channel, *Message, *apiError) {
	c := w.editableChannel(a.str("channel"))
	if c == nil {
		return nil, nil, fail("channel_not_found")
	}
	m := w.findMessage(c.ID, a.str("ts"))
	if m == nil || m.Deleted {
		return nil, nil, fail("message_not_found")
	}
	if m.BotID != w.botID {
		return nil, nil, fail(denied)
	}
	return c, m, nil
}

func (w *Workspace) apiUpdate(a *apiReq) (obj, *apiError) {
	c, m, e := w.botMessage(a, "cant_update_message")
	if e != nil {
		return nil, e
	}
	// Slack keeps the previous blocks when the field is left out.
	blocks := m.RawBlocks
	if a.has("blocks") {
		blocks = a.rawJSON("blocks")
	}
	text := a.str("text")
	if e := checkMessage(text, blocks, a.rawJSON("attachments"), true); e != nil {
		return nil, e
	}
	text, _ = truncateText(text)
	w.updateMessage(m, text, blocks, "chat.update")
	return obj{"channel": c.ID, "ts": m.TS, "text": text, "message": w.messageJSON(m)}, nil
}

func (w *Workspace) apiPostEphemeral(a *apiReq) (obj, *apiError) {
	c, e := w.writableChannel(a.str("channel"))
	if e != nil {
		return nil, e
	}
	user := a.str("user")
	if w.usersByID[user] == nil {
		return nil, fail("user_not_found")
	}
	if !w.isMember(c, user) {
		return nil, fail("user_not_in_channel")
	}
	blocks := a.rawJSON("blocks")
	if e := checkMessage(a.str("text"), blocks, a.rawJSON("attachments"), true); e != nil {
		return nil, e
	}
	text, _ := truncateText(a.str("text"))
	eph := w.postEphemeral(c.ID, user, text, blocks, a.str("thread_ts"), "chat.postEphemeral")
	return obj{"message_ts": eph.TS}, nil
}

func (w *Workspace) isMember(c *Channel, user string) bool {
	if c.IsIM {
		return c.User == user
	}
	for _, m := range c.Members {
		if m == user {
			return true
		}
	}
	return false
}

func (w *Workspace) apiDelete(a *apiReq) (obj, *apiError) {
	c, m, e := w.botMessage(a, "cant_delete_message")
	if e != nil {
		return nil, e
	}
	w.deleteMessage(m, "chat.delete")
	return obj{"channel": c.ID, "ts": m.TS}, nil
}
