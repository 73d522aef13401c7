package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// checkMetadata validates chat.postMessage's metadata as Slack does: an object with a string
// event_type and an object event_payload. It returns the metadata to store (nil when none).
func checkMetadata(raw json.RawMessage) (json.RawMessage, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var md struct {
		EventType    *string         `json:"event_type"`
		EventPayload json.RawMessage `json:"event_payload"`
	}
	if json.Unmarshal(raw, &md) != nil {
		return nil, fail("invalid_metadata_format")
	}
	var payload map[string]any
	if md.EventType == nil || *md.EventType == "" || json.Unmarshal(md.EventPayload, &payload) != nil || payload == nil {
		return nil, fail("invalid_metadata_schema")
	}
	if len(raw) > 8000 {
		return nil, fail("metadata_too_large")
	}
	return raw, nil
}

// apiConversationsHistory lists a conversation's messages newest first, as Slack does: only
// top-level messages (thread replies stay in conversations.replies), between oldest and latest
// (exclusive unless inclusive), at most limit (default 100, at most 999) with a cursor for more,
// and each message's metadata only when include_all_metadata is set.
func (w *Workspace) apiConversationsHistory(a *apiReq) (obj, *apiError) {
	c := w.editableChannel(a.str("channel")) // a conversation id; a user id does not name the DM
	switch {
	case c == nil:
		return nil, fail("channel_not_found")
	case !c.BotMember:
		return nil, fail("not_in_channel")
	}
	limit, _ := strconv.Atoi(a.str("limit"))
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 999)
	oldest, latest, inclusive := a.str("oldest"), a.str("latest"), a.boolean("inclusive")
	skip, _ := strconv.Atoi(a.str("cursor"))
	withMeta := a.boolean("include_all_metadata")
	msgs := []obj{}
	more := false
	seen := 0
	for i := len(w.messages) - 1; i >= 0; i-- {
		m := w.messages[i]
		if m.Channel != c.ID || m.Deleted || (m.ThreadTS != "" && m.ThreadTS != m.TS) || !inRange(m.TS, oldest, latest, inclusive) {
			continue
		}
		if seen++; seen <= skip {
			continue
		}
		if len(msgs) == limit {
			more = true
			break
		}
		o := w.messageJSON(m)
		if withMeta && len(m.Metadata) > 0 {
			o["metadata"] = m.Metadata
		}
		msgs = append(msgs, o)
	}
	res := obj{"messages": msgs, "has_more": more, "pin_count": 0}
	if more {
		res["response_metadata"] = obj{"next_cursor": strconv.Itoa(skip + limit)}
	}
	return res, nil
}

// inRange compares Slack timestamps (fixed-width "seconds.micros" here, so as numbers).
func inRange(ts, oldest, latest string, inclusive bool) bool {
	t, _ := strconv.ParseFloat(ts, 64)
	if oldest != "" {
		o, _ := strconv.ParseFloat(oldest, 64)
		if t < o || (t == o && !inclusive) {
			return false
		}
	}
	if latest != "" {
		l, _ := strconv.ParseFloat(latest, 64)
		if t > l || (t == l && !inclusive) {
			return false
		}
	}
	return true
}

// loseAnswer closes the connection of a call that took effect without answering it: what the
// client sees when Slack's answer is lost on the way (a reset, a proxy timeout).
func loseAnswer(rw http.ResponseWriter) {
	if hj, ok := rw.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // net/http drops the connection without a response
}
