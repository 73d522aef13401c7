package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Surface is something a user can click in: a Message, an Ephemeral or a
// View (modal or Home tab).
type Surface interface{ surfaceRef() surfaceRef }

type surfaceRef struct {
	kind    string // "message", "ephemeral", "view"
	channel string
	ts      string
	user    string
	viewID  string
}

func (m Message) surfaceRef() surfaceRef {
	return surfaceRef{kind: "message", channel: m.Channel, ts: m.TS}
}
func (e Ephemeral) surfaceRef() surfaceRef {
	return surfaceRef{kind: "ephemeral", channel: e.Channel, ts: e.TS, user: e.User}
}
func (v View) surfaceRef() surfaceRef { return surfaceRef{kind: "view", viewID: v.ID, user: v.User} }

// Input is what a user enters into one element: Value for text inputs and
// dates, Options (option values) for selects, checkboxes and radios.
type Input struct {
	Value   string
	Options []string
}

// Text is an Input for a text field (or a date / user / conversation picker).
func Text(s string) Input { return Input{Value: s} }

// Options is an Input choosing options by value.
func Options(values ...string) Input { return Input{Options: values} }

// ErrRequired is returned by SubmitView when a required input is empty;
// Slack's client would not let the user submit.
var ErrRequired = errors.New("sandbox: required input is empty")

// actor resolves the acting user and waits for the bot to be connected, so
// tests do not race the bot's start-up.
func (w *Workspace) actor(ctx context.Context, u User) (*User, error) {
	if err := w.WaitConnected(ctx, 1); err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.usersByID[u.ID]
	if p == nil {
		return nil, fmt.Errorf("sandbox: unknown user %q", u.ID)
	}
	return p, nil
}

// SlashCommand runs command (e.g. "/leads") with text as u in u's DM with
// the bot, and returns once the bot acked (or the deadline passed). The ack
// payload, if any, is posted as the response (ephemeral by default).
func (w *Workspace) SlashCommand(ctx context.Context, u User, command, text string) (AckResult, error) {
	return w.SlashCommandIn(ctx, u, u.DM, command, text)
}

// SlashCommandIn runs a slash command in a given channel.
func (w *Workspace) SlashCommandIn(ctx context.Context, u User, channelID, command, text string) (AckResult, error) {
	p, err := w.actor(ctx, u)
	if err != nil {
		return AckResult{}, err
	}
	w.mu.Lock()
	c := w.channels[channelID]
	if c == nil {
		w.mu.Unlock()
		return AckResult{}, fmt.Errorf("sandbox: unknown channel %q", channelID)
	}
	ru := w.newResponseURL(p.ID, c.ID, "", true)
	env := &envelope{typ: "slash_commands", subtype: command, accepts: true, user: p.ID, channel: c.ID, respID: ru.id,
		payload: w.slashPayload(p, c, command, text, w.responseURLString(ru), w.issueTrigger(p.ID))}
	w.mu.Unlock()
	return w.deliver(ctx, env)
}

// ClickButton clicks the button with actionID in s as u.
func (w *Workspace) ClickButton(ctx context.Context, u User, s Surface, actionID string) (AckResult, error) {
	return w.Act(ctx, u, s, actionID, Input{})
}

// ClickButtonValue clicks the button with actionID whose value is value:
// a digest repeats the same action_id for every lead, told apart by value
// (or by block, with actionID written "block_id/action_id").
func (w *Workspace) ClickButtonValue(ctx context.Context, u User, s Surface, actionID, value string) (AckResult, error) {
	return w.Act(ctx, u, s, actionID, Input{Value: value})
}

// SelectOverflow picks the overflow-menu option with value.
func (w *Workspace) SelectOverflow(ctx context.Context, u User, s Surface, actionID, value string) (AckResult, error) {
	return w.Act(ctx, u, s, actionID, Options(value))
}

// SelectOption picks options of a select, checkboxes or radio element.
func (w *Workspace) SelectOption(ctx context.Context, u User, s Surface, actionID string, values ...string) (AckResult, error) {
	return w.Act(ctx, u, s, actionID, Options(values...))
}

// Act interacts with the element actionID (or "block_id/action_id") in the
// current version of s and sends the block_actions envelope. Clicking a
// button that is no longer displayed is an error, as it cannot happen in
// Slack.
func (w *Workspace) Act(ctx context.Context, u User, s Surface, actionID string, in Input) (AckResult, error) {
	p, err := w.actor(ctx, u)
	if err != nil {
		return AckResult{}, err
	}
	w.mu.Lock()
	env, err := w.blockActions(p, s.surfaceRef(), actionID, in)
	w.mu.Unlock()
	if err != nil {
		return AckResult{}, err
	}
	return w.deliver(ctx, env)
}

// blockActions builds the envelope for one action. Caller holds mu.
func (w *Workspace) blockActions(u *User, ref surfaceRef, actionID string, in Input) (*envelope, error) {
	payload := w.interactionBase("block_actions", u)
	var raw json.RawMessage
	var view *View
	switch ref.kind {
	case "message":
		m := w.findMessage(ref.channel, ref.ts)
		if m == nil || m.Deleted {
			return nil, fmt.Errorf("sandbox: message %s/%s is gone", ref.channel, ref.ts)
		}
		c := w.channels[m.Channel]
		if !w.isMember(c, u.ID) {
			return nil, fmt.Errorf("sandbox: %s cannot see channel %s", u.ID, c.ID)
		}
		raw = m.RawBlocks
		container := obj{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": false}
		if m.ThreadTS != "" {
			container["thread_ts"] = m.ThreadTS
		}
		payload["container"], payload["message"] = container, w.messageJSON(m)
		payload["channel"] = obj{"id": c.ID, "name": channelName(c)}
		ru := w.newResponseURL(u.ID, c.ID, m.TS, false)
		payload["response_url"] = w.responseURLString(ru)
		payload["state"] = obj{"values": obj{}}
	case "ephemeral":
		e := w.findEphemeral(ref.user, ref.ts)
		if e == nil || e.Deleted || e.User != u.ID {
			return nil, fmt.Errorf("sandbox: ephemeral %s is not shown to %s", ref.ts, u.ID)
		}
		c := w.channels[e.Channel]
		raw = e.RawBlocks
		// Actions from ephemeral messages carry no "message".
		payload["container"] = obj{"type": "message", "message_ts": e.TS, "channel_id": e.Channel, "is_ephemeral": true}
		payload["channel"] = obj{"id": c.ID, "name": channelName(c)}
		ru := w.newResponseURL(u.ID, c.ID, e.TS, true)
		payload["response_url"] = w.responseURLString(ru)
		payload["state"] = obj{"values": obj{}}
	case "view":
		view = w.views[ref.viewID]
		if view == nil || !view.Open || view.User != u.ID {
			return nil, fmt.Errorf("sandbox: view %s is not open for %s", ref.viewID, u.ID)
		}
		var f struct {
			Blocks json.RawMessage `json:"blocks"`
		}
		_ = json.Unmarshal(view.Raw, &f)
		raw = f.Blocks
		payload["container"] = obj{"type": "view", "view_id": view.ID}
	}
	buttonValue := ""
	if len(in.Options) == 0 {
		buttonValue = in.Value // only buttons are matched by value
	}
	blockID, el, err := findElement(raw, actionID, buttonValue)
	if err != nil {
		return nil, err
	}
	action, state, err := actionFor(blockID, el, in)
	if err != nil {
		return nil, err
	}
	if view != nil {
		if state != nil {
			setState(view, blockID, el["action_id"].(string), state)
		}
		payload["view"] = w.viewJSON(view)
		payload["state"] = obj{"values": stateValues(view)}
	}
	payload["trigger_id"] = w.issueTrigger(u.ID)
	payload["actions"] = []obj{action}
	return &envelope{typ: "interactive", subtype: "block_actions", payload: payload, user: u.ID}, nil
}

// stateValues is a frozen copy of a view's state.values.
func stateValues(v *View) any {
	if v.state == nil {
		return obj{}
	}
	frozen, _ := json.Marshal(v.state)
	return json.RawMessage(frozen)
}

func setState(v *View, blockID, actionID string, st obj) {
	if v.state == nil {
		v.state = obj{}
	}
	b, _ := v.state[blockID].(obj)
	if b == nil {
		b = obj{}
		v.state[blockID] = b
	}
	b[actionID] = st
}

// findElement finds an interactive element by action_id (or
// "block_id/action_id") in actions blocks, section accessories and input
// blocks; a non-empty buttonValue also matches a button's value.
func findElement(raw json.RawMessage, key, buttonValue string) (string, map[string]any, error) {
	wantBlock, wantAction, scoped := strings.Cut(key, "/")
	if !scoped {
		wantBlock, wantAction = "", key
	}
	// Only the element found is decoded whole: a click on a digest would otherwise decode every
	// block of the message into maps.
	var blocks []struct {
		Type      string            `json:"type"`
		BlockID   string            `json:"block_id"`
		Elements  []json.RawMessage `json:"elements"`
		Accessory json.RawMessage   `json:"accessory"`
		Element   json.RawMessage   `json:"element"`
	}
	_ = json.Unmarshal(raw, &blocks)
	for _, b := range blocks {
		if wantBlock != "" && b.BlockID != wantBlock {
			continue
		}
		var els []json.RawMessage
		if b.Type == "actions" {
			els = b.Elements
		}
		els = append(els, b.Accessory, b.Element)
		for _, e := range els {
			var head struct {
				Type     string `json:"type"`
				ActionID string `json:"action_id"`
				Value    any    `json:"value"`
			}
			if len(e) == 0 || json.Unmarshal(e, &head) != nil || head.ActionID != wantAction {
				continue
			}
			if v, _ := head.Value.(string); head.Type == "button" && buttonValue != "" && v != buttonValue {
				continue
			}
			var em map[string]any
			if json.Unmarshal(e, &em) != nil {
				continue
			}
			return b.BlockID, em, nil
		}
	}
	if buttonValue != "" {
		return "", nil, fmt.Errorf("sandbox: no button %q with value %q is displayed", key, buttonValue)
	}
	return "", nil, fmt.Errorf("sandbox: no element with action_id %q is displayed", key)
}

// findOption looks an option up by value in options or option_groups.
func findOption(el map[string]any, value string) (any, bool) {
	opts, _ := el["options"].([]any)
	if groups, ok := el["option_groups"].([]any); ok {
		for _, g := range groups {
			gm, _ := g.(map[string]any)
			o, _ := gm["options"].([]any)
			opts = append(opts, o...)
		}
	}
	for _, o := range opts {
		if om, _ := o.(map[string]any); om["value"] == value {
			return om, true
		}
	}
	return nil, false
}

// stateFor renders an element's state value for state.values and reports
// whether it is empty.
func stateFor(el map[string]any, in Input) (obj, bool, error) {
	typ, _ := el["type"].(string)
	st := obj{"type": typ}
	empty := in.Value == "" && len(in.Options) == 0
	var val any
	if in.Value != "" {
		val = in.Value
	}
	switch typ {
	case "static_select", "radio_buttons", "overflow", "external_select":
		var opt any
		if len(in.Options) > 0 {
			o, ok := findOption(el, in.Options[0])
			if !ok && typ != "external_select" {
				return nil, false, fmt.Errorf("sandbox: %s has no option %q", el["action_id"], in.Options[0])
			}
			opt = o
		}
		st["selected_option"] = opt
	case "multi_static_select", "checkboxes":
		sel := []any{}
		for _, v := range in.Options {
			o, ok := findOption(el, v)
			if !ok {
				return nil, false, fmt.Errorf("sandbox: %s has no option %q", el["action_id"], v)
			}
			sel = append(sel, o)
		}
		st["selected_options"] = sel
	case "datepicker":
		st["selected_date"] = val
	case "timepicker":
		st["selected_time"] = val
	case "users_select":
		st["selected_user"] = val
	case "conversations_select":
		st["selected_conversation"] = val
	case "channels_select":
		st["selected_channel"] = val
	case "multi_users_select":
		st["selected_users"] = nonNil(in.Options)
	case "multi_conversations_select":
		st["selected_conversations"] = nonNil(in.Options)
	default: // plain_text_input, email_text_input, url_text_input, number_input, …
		st["value"] = val
	}
	return st, empty, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// actionFor renders the actions[] entry of a block_actions payload; every
// action carries its block_id or slack-go files it as a legacy action.
func actionFor(blockID string, el map[string]any, in Input) (obj, obj, error) {
	typ, _ := el["type"].(string)
	a := obj{"action_id": el["action_id"], "block_id": blockID, "type": typ, "action_ts": actionTS()}
	if typ == "button" {
		a["text"] = el["text"]
		if v, ok := el["value"]; ok {
			a["value"] = v
		}
		if s, ok := el["style"]; ok {
			a["style"] = s
		}
		return a, nil, nil
	}
	st, _, err := stateFor(el, in)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range st {
		if k != "type" {
			a[k] = v
		}
	}
	if typ == "overflow" {
		return a, nil, nil
	}
	return a, st, nil
}
