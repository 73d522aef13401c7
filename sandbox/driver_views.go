package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// statefulBlocks walks a view's blocks and calls f for every element whose
// value goes into state.values, with whether a value is required.
func statefulBlocks(raw json.RawMessage, f func(blockID string, el map[string]any, required bool) error) error {
	var v struct {
		Blocks []map[string]any `json:"blocks"`
	}
	_ = json.Unmarshal(raw, &v)
	for _, b := range v.Blocks {
		bid, _ := b["block_id"].(string)
		switch b["type"] {
		case "input":
			el, _ := b["element"].(map[string]any)
			optional, _ := b["optional"].(bool)
			if el != nil {
				if err := f(bid, el, !optional); err != nil {
					return err
				}
			}
		case "actions":
			els, _ := b["elements"].([]any)
			for _, e := range els {
				em, _ := e.(map[string]any)
				if t, _ := em["type"].(string); t != "button" && t != "overflow" && em["action_id"] != nil {
					if err := f(bid, em, false); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// SubmitView submits the modal v as u with values keyed by action_id (or
// "block_id/action_id"); inputs not given keep what was entered before or
// stay empty. It returns once the bot acked, with the response_action
// applied to the modal stack.
func (w *Workspace) SubmitView(ctx context.Context, u User, v View, values map[string]Input) (AckResult, error) {
	p, err := w.actor(ctx, u)
	if err != nil {
		return AckResult{}, err
	}
	w.mu.Lock()
	cur := w.views[v.ID]
	stack := w.modals[p.ID]
	if cur == nil || !cur.Open || cur.Type != "modal" || len(stack) == 0 || stack[len(stack)-1] != cur.ID {
		w.mu.Unlock()
		return AckResult{}, fmt.Errorf("sandbox: view %s is not the modal %s sees", v.ID, p.ID)
	}
	used := map[string]bool{}
	err = statefulBlocks(cur.Raw, func(bid string, el map[string]any, required bool) error {
		aid, _ := el["action_id"].(string)
		in, ok := values[bid+"/"+aid]
		key := bid + "/" + aid
		if !ok {
			in, ok = values[aid]
			key = aid
		}
		if !ok {
			if prev, _ := cur.state[bid].(obj); prev != nil && prev[aid] != nil {
				if required && isEmptyState(prev[aid].(obj)) {
					return fmt.Errorf("%w: %s", ErrRequired, key)
				}
				return nil
			}
		}
		used[key] = true
		st, empty, err := stateFor(el, in)
		if err != nil {
			return err
		}
		if required && empty {
			return fmt.Errorf("%w: %s", ErrRequired, key)
		}
		setState(cur, bid, aid, st)
		return nil
	})
	for k := range values {
		if err == nil && !used[k] {
			err = fmt.Errorf("sandbox: no input %q in view %s", k, v.ID)
		}
	}
	if err != nil {
		w.mu.Unlock()
		return AckResult{}, err
	}
	payload := w.interactionBase("view_submission", p)
	payload["trigger_id"] = w.issueTrigger(p.ID)
	payload["view"] = w.viewJSON(cur)
	payload["response_urls"] = []any{}
	env := &envelope{typ: "interactive", subtype: "view_submission", accepts: true, payload: payload, user: p.ID, viewID: cur.ID}
	w.mu.Unlock()
	return w.deliver(ctx, env)
}

func isEmptyState(st obj) bool {
	for k, v := range st {
		if k == "type" || v == nil {
			continue
		}
		if a, ok := v.([]any); ok && len(a) == 0 {
			continue
		}
		return false
	}
	return true
}

// CloseView closes the modal v as u (the Cancel button). The view goes;
// if the bot set notify_on_close, a view_closed envelope is sent and
// CloseView returns its ack, otherwise a zero AckResult.
func (w *Workspace) CloseView(ctx context.Context, u User, v View) (AckResult, error) {
	p, err := w.actor(ctx, u)
	if err != nil {
		return AckResult{}, err
	}
	w.mu.Lock()
	cur := w.views[v.ID]
	stack := w.modals[p.ID]
	if cur == nil || !cur.Open || len(stack) == 0 || stack[len(stack)-1] != cur.ID {
		w.mu.Unlock()
		return AckResult{}, fmt.Errorf("sandbox: view %s is not the modal %s sees", v.ID, p.ID)
	}
	var raw struct {
		ClearOnClose bool `json:"clear_on_close"`
	}
	_ = json.Unmarshal(cur.Raw, &raw)
	payload := w.interactionBase("view_closed", p)
	payload["view"] = w.viewJSON(cur)
	payload["is_cleared"] = raw.ClearOnClose
	if raw.ClearOnClose {
		w.closeModals(p.ID, -1)
	} else {
		w.closeModals(p.ID, 1)
	}
	notify := cur.NotifyOnClose
	w.mu.Unlock()
	if !notify {
		return AckResult{}, nil
	}
	return w.deliver(ctx, &envelope{typ: "interactive", subtype: "view_closed", payload: payload, user: p.ID, viewID: cur.ID})
}

// OpenHome opens the app's Home tab as u: an app_home_opened event (with
// the current Home view, if one was published). It returns the outcome of
// the first delivery; unacked events are retried in the background.
func (w *Workspace) OpenHome(ctx context.Context, u User) (AckResult, error) {
	p, err := w.actor(ctx, u)
	if err != nil {
		return AckResult{}, err
	}
	w.mu.Lock()
	inner := obj{"type": "app_home_opened", "user": p.ID, "channel": p.DM, "tab": "home", "event_ts": actionTS()}
	if id, ok := w.home[p.ID]; ok {
		inner["view"] = w.viewJSON(w.views[id])
	}
	env := &envelope{typ: "events_api", subtype: "app_home_opened", payload: w.eventCallback(inner), user: p.ID}
	w.mu.Unlock()
	return w.deliver(ctx, env)
}

// SendEvent delivers any Events API inner event (e.g. {"type":"member_joined_channel",…})
// in the full event_callback wrapper. Unlike the driver's other methods it
// does not wait for a connection: an event sent while the bot is away is
// retried on the schedule, as Slack does.
func (w *Workspace) SendEvent(ctx context.Context, inner map[string]any) (AckResult, error) {
	w.mu.Lock()
	typ, _ := inner["type"].(string)
	user, _ := inner["user"].(string)
	env := &envelope{typ: "events_api", subtype: typ, payload: w.eventCallback(inner), user: user}
	w.mu.Unlock()
	return w.deliver(ctx, env)
}

// PostAsUser posts a message by u in a channel (threadTS optional), as if
// typed in Slack. If the text mentions the bot ("<@BOTID>") and the bot is
// a member, an app_mention event is delivered and its outcome returned.
func (w *Workspace) PostAsUser(ctx context.Context, u User, channelID, text, threadTS string) (Message, AckResult, error) {
	w.mu.Lock()
	c := w.resolveChannel(channelID)
	if c == nil || (!w.isMember(c, u.ID)) {
		w.mu.Unlock()
		return Message{}, AckResult{}, fmt.Errorf("sandbox: %s is not in channel %q", u.ID, channelID)
	}
	m := &Message{Channel: c.ID, TS: w.newTS(), ThreadTS: threadTS, User: u.ID, Text: text}
	m.History = []Revision{{Text: text, At: time.Now(), By: "user"}}
	w.messages = append(w.messages, m)
	w.emit(Event{Kind: EvMessagePosted, Channel: c.ID, TS: m.TS, User: u.ID, Method: "user"})
	snap := m.snapshot()
	mention := strings.Contains(text, "<@"+w.botUserID+">") && c.BotMember
	var env *envelope
	if mention {
		inner := obj{"type": "app_mention", "user": u.ID, "text": text, "ts": m.TS, "channel": c.ID,
			"event_ts": m.TS, "team": w.cfg.TeamID, "client_msg_id": newUUID()}
		if threadTS != "" {
			inner["thread_ts"] = threadTS
		}
		env = &envelope{typ: "events_api", subtype: "app_mention", payload: w.eventCallback(inner), user: u.ID}
	}
	w.mu.Unlock()
	if env == nil {
		return snap, AckResult{}, nil
	}
	if _, err := w.actor(ctx, u); err != nil {
		return snap, AckResult{}, err
	}
	r, err := w.deliver(ctx, env)
	return snap, r, err
}

// Mention posts "<@bot> text" by u in a channel; see PostAsUser.
func (w *Workspace) Mention(ctx context.Context, u User, channelID, text string) (Message, AckResult, error) {
	return w.PostAsUser(ctx, u, channelID, "<@"+w.botUserID+"> "+text, "")
}
