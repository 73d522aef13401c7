package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Slack allows a response_url 5 uses within 30 minutes.
const (
	responseURLUses = 5
	responseURLTTL  = 30 * time.Minute
)

// responseURL is a handed-out response_url and what it may act on.
type responseURL struct {
	id      string
	user    string // who acted
	channel string
	// The message the interaction came from, if any (block_actions).
	msgTS       string
	isEphemeral bool
	// lastTS is the last ephemeral posted through this URL (or the slash
	// command's ack), which replace_original then replaces.
	lastTS  string
	created time.Time
	uses    []time.Time
}

// respMessage is what a bot posts to a response_url (slack-go's Msg) or
// returns in a slash command's ack.
type respMessage struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

// newResponseURL registers a response_url. Caller holds mu.
func (w *Workspace) newResponseURL(user, channel, msgTS string, ephemeral bool) *responseURL {
	ru := &responseURL{id: randHex(12), user: user, channel: channel, msgTS: msgTS, isEphemeral: ephemeral, created: w.cfg.Now()}
	w.responseURLs[ru.id] = ru
	return ru
}

func (w *Workspace) responseURLString(ru *responseURL) string {
	return w.baseURL + "/hooks/response/" + ru.id
}

func (w *Workspace) findEphemeral(user, ts string) *Ephemeral {
	for i := len(w.ephemerals) - 1; i >= 0; i-- {
		if e := w.ephemerals[i]; e.TS == ts && e.User == user {
			return e
		}
	}
	return nil
}

// respond applies a response message as Slack does and returns an error
// code, or "". Caller holds mu.
func (w *Workspace) respond(ru *responseURL, m respMessage, by string) string {
	if ru == nil {
		return "expired_url"
	}
	if string(m.Blocks) == "null" {
		m.Blocks = nil
	}
	if string(m.Attachments) == "null" {
		m.Attachments = nil
	}
	// The original is the message the interaction came from or, for a slash
	// command, the last ephemeral answer (never the user's own command).
	origTS, origEph := ru.msgTS, ru.isEphemeral
	if origTS == "" {
		origTS, origEph = ru.lastTS, true
	}
	if m.DeleteOriginal || m.ReplaceOriginal {
		if origTS == "" {
			return "message_not_found"
		}
		if origEph {
			e := w.findEphemeral(ru.user, origTS)
			if e == nil || e.Deleted {
				return "message_not_found"
			}
			if m.DeleteOriginal {
				e.Deleted = true
				w.emit(Event{Kind: EvEphemeral, Channel: e.Channel, User: e.User, TS: e.TS, Detail: "deleted", Method: by})
				return ""
			}
			if e := checkMessage(m.Text, m.Blocks, m.Attachments, true); e != nil {
				return e.code
			}
			e.Text, e.RawBlocks, e.Blocks = m.Text, m.Blocks, slack.Blocks{} // decoded when read (snapshot)
			e.History = append(e.History, Revision{Text: e.Text, RawBlocks: e.RawBlocks, At: time.Now(), By: by})
			w.emit(Event{Kind: EvEphemeral, Channel: e.Channel, User: e.User, TS: e.TS, Detail: "replaced", Method: by})
			return ""
		}
		msg := w.findMessage(ru.channel, origTS)
		if msg == nil || msg.Deleted {
			return "message_not_found"
		}
		if m.DeleteOriginal {
			w.deleteMessage(msg, by)
			return ""
		}
		if e := checkMessage(m.Text, m.Blocks, m.Attachments, true); e != nil {
			return e.code
		}
		w.updateMessage(msg, m.Text, m.Blocks, by)
		return ""
	}
	if e := checkMessage(m.Text, m.Blocks, m.Attachments, true); e != nil {
		return e.code
	}
	if m.ResponseType == "in_channel" {
		c := w.channels[ru.channel]
		if c == nil {
			return "channel_not_found"
		}
		w.postBot(c, m.Text, m.Blocks, m.ThreadTS, by)
		return ""
	}
	e := w.postEphemeral(ru.channel, ru.user, m.Text, m.Blocks, m.ThreadTS, by)
	ru.lastTS = e.TS
	return ""
}

// serveHook receives response_url posts.
func (w *Workspace) serveHook(rw http.ResponseWriter, r *http.Request) {
	w.learnBase(r)
	id, ok := strings.CutPrefix(r.URL.Path, "/hooks/response/")
	if !ok || r.Method != http.MethodPost {
		http.NotFound(rw, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	var m respMessage
	if err == nil {
		err = json.Unmarshal(body, &m)
	}
	if err != nil {
		writeJSON(rw, http.StatusBadRequest, obj{"ok": false, "error": "invalid_payload"})
		return
	}
	w.mu.Lock()
	code := ""
	ru := w.responseURLs[id]
	now := w.cfg.Now()
	switch {
	case ru == nil:
		code = "invalid_url"
	case now.Sub(ru.created) > responseURLTTL:
		code = "expired_url"
	case len(ru.uses) >= responseURLUses && now.Sub(ru.uses[len(ru.uses)-responseURLUses]) < responseURLTTL:
		code = "used_url"
	default:
		ru.uses = append(ru.uses, now)
		code = w.respond(ru, m, "response_url")
	}
	w.calls = append(w.calls, APICall{Method: "response_url", At: now, Status: http.StatusOK, Error: code,
		Params: map[string]string{"id": id, "body": string(body)}})
	w.emit(Event{Kind: EvAPICall, Method: "response_url", Detail: code})
	w.mu.Unlock()
	if code != "" {
		writeJSON(rw, http.StatusOK, obj{"ok": false, "error": code})
		return
	}
	writeJSON(rw, http.StatusOK, obj{"ok": true})
}
