package sandbox

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// trigger is an issued trigger_id: valid once, for TriggerTTL.
type trigger struct {
	user   string
	issued time.Time
	used   bool
}

var triggerFormat = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9a-f]+$`)

// maxModalStack is Slack's limit of views in one modal stack.
const maxModalStack = 3

// issueTrigger hands out a trigger_id in Slack's "<n>.<n>.<hex>" shape.
// Caller holds mu.
func (w *Workspace) issueTrigger(user string) string {
	w.nextID['t']++
	if len(w.triggers) > 10_000 { // a long-running sandbox forgets dead triggers
		for k, t := range w.triggers {
			if t.used || w.cfg.Now().Sub(t.issued) > w.cfg.TriggerTTL {
				delete(w.triggers, k)
			}
		}
	}
	id := fmt.Sprintf("%d.%d.%s", 4916855695380+w.nextID['t'], time.Now().Unix()%1e6, randHex(16))
	w.triggers[id] = &trigger{user: user, issued: w.cfg.Now()}
	return id
}

// checkTrigger applies Slack's trigger errors without consuming it.
func (w *Workspace) checkTrigger(id string) (*trigger, *apiError) {
	if id == "" {
		return nil, fail("invalid_arguments")
	}
	t := w.triggers[id]
	switch {
	case !triggerFormat.MatchString(id) || t == nil:
		return nil, fail("invalid_trigger_id")
	case t.used:
		return nil, fail("exchanged_trigger_id")
	case w.cfg.Now().Sub(t.issued) > w.cfg.TriggerTTL:
		return nil, fail("expired_trigger_id")
	}
	return t, nil
}

// viewJSON renders a stored view with the fields Slack adds; state.values
// is always an object (slack-go fails on an array).
func (w *Workspace) viewJSON(v *View) obj {
	o := obj{}
	_ = json.Unmarshal(v.Raw, &o)
	if o["blocks"] == nil {
		o["blocks"] = []any{}
	}
	state := obj{"values": obj{}}
	if len(v.state) > 0 {
		// Frozen now: payloads are marshalled after the lock is released,
		// while the live state may still change.
		frozen, _ := json.Marshal(v.state)
		state = obj{"values": json.RawMessage(frozen)}
	}
	var prev any
	if v.PreviousViewID != "" {
		prev = v.PreviousViewID
	}
	for k, def := range map[string]any{"private_metadata": "", "callback_id": "", "external_id": "",
		"clear_on_close": false, "notify_on_close": false} {
		if o[k] == nil {
			o[k] = def
		}
	}
	o["id"], o["team_id"], o["state"], o["hash"] = v.ID, w.cfg.TeamID, state, v.Hash
	o["previous_view_id"], o["root_view_id"], o["app_id"], o["bot_id"] = prev, v.RootViewID, w.appID, w.botID
	o["app_installed_team_id"] = w.cfg.TeamID
	return o
}

// setContent fills a view's fields from the bot's view object.
func (w *Workspace) setContent(v *View, raw json.RawMessage) {
	var f struct {
		Type            string `json:"type"`
		CallbackID      string `json:"callback_id"`
		ExternalID      string `json:"external_id"`
		PrivateMetadata string `json:"private_metadata"`
		NotifyOnClose   bool   `json:"notify_on_close"`
		Title           struct{ Text string }
		Blocks          json.RawMessage `json:"blocks"`
	}
	_ = json.Unmarshal(raw, &f)
	v.Type, v.CallbackID, v.ExternalID, v.PrivateMetadata = f.Type, f.CallbackID, f.ExternalID, f.PrivateMetadata
	v.NotifyOnClose, v.Title, v.Raw = f.NotifyOnClose, f.Title.Text, raw
	v.Blocks = decodeBlocks(f.Blocks)
	v.Hash = fmt.Sprintf("%d.%s", time.Now().Unix(), randHex(4))
	v.Errors = nil
	v.state = nil
}

// newView creates an open view. Caller holds mu.
func (w *Workspace) newView(user string, raw json.RawMessage) *View {
	v := &View{ID: w.newID('V'), User: user, Open: true}
	w.setContent(v, raw)
	v.RootViewID = v.ID
	w.views[v.ID] = v
	return v
}

func (w *Workspace) duplicateExternalID(raw json.RawMessage, except string) bool {
	var f struct {
		ExternalID string `json:"external_id"`
	}
	_ = json.Unmarshal(raw, &f)
	if f.ExternalID == "" {
		return false
	}
	for _, v := range w.views {
		if v.ExternalID == f.ExternalID && v.ID != except && v.Open {
			return true
		}
	}
	return false
}

// closeModals closes the top n views of a user's stack (all when n < 0).
// Caller holds mu.
func (w *Workspace) closeModals(user string, n int) {
	stack := w.modals[user]
	if n < 0 || n > len(stack) {
		n = len(stack)
	}
	for _, id := range stack[len(stack)-n:] {
		w.views[id].Open = false
		w.emit(Event{Kind: EvViewClosed, User: user, ViewID: id})
	}
	w.modals[user] = stack[:len(stack)-n]
}

// pushModal pushes a view on the user's stack. Caller holds mu.
func (w *Workspace) pushModal(user string, raw json.RawMessage) (*View, *apiError) {
	stack := w.modals[user]
	if len(stack) == 0 {
		return nil, fail("not_found")
	}
	if len(stack) >= maxModalStack {
		return nil, fail("push_limit_reached")
	}
	v := w.newView(user, raw)
	v.RootViewID, v.PreviousViewID = stack[0], stack[len(stack)-1]
	w.modals[user] = append(stack, v.ID)
	w.emit(Event{Kind: EvViewOpened, User: user, ViewID: v.ID, Detail: "push"})
	return v, nil
}

// replaceView swaps a view's content, keeping its id. Caller holds mu.
func (w *Workspace) replaceView(v *View, raw json.RawMessage, by string) {
	w.setContent(v, raw)
	v.Version++
	w.emit(Event{Kind: EvViewUpdated, User: v.User, ViewID: v.ID, Method: by})
}

func (w *Workspace) apiViewsOpen(a *apiReq) (obj, *apiError) {
	t, e := w.checkTrigger(a.str("trigger_id"))
	if e != nil {
		return nil, e
	}
	raw := a.rawJSON("view")
	if e := checkView(raw, "modal"); e != nil {
		return nil, e
	}
	if w.duplicateExternalID(raw, "") {
		return nil, fail("duplicate_external_id")
	}
	t.used = true
	// A new views.open replaces whatever modal the user had open.
	w.closeModals(t.user, -1)
	v := w.newView(t.user, raw)
	w.modals[t.user] = []string{v.ID}
	w.emit(Event{Kind: EvViewOpened, User: t.user, ViewID: v.ID, Method: "views.open"})
	return obj{"view": w.viewJSON(v)}, nil
}

func (w *Workspace) apiViewsPush(a *apiReq) (obj, *apiError) {
	t, e := w.checkTrigger(a.str("trigger_id"))
	if e != nil {
		return nil, e
	}
	raw := a.rawJSON("view")
	if e := checkView(raw, "modal"); e != nil {
		return nil, e
	}
	v, e := w.pushModal(t.user, raw)
	if e != nil {
		return nil, e
	}
	t.used = true
	return obj{"view": w.viewJSON(v)}, nil
}

func (w *Workspace) apiViewsUpdate(a *apiReq) (obj, *apiError) {
	var v *View
	if id := a.str("view_id"); id != "" {
		v = w.views[id]
	} else if ext := a.str("external_id"); ext != "" {
		for _, x := range w.views {
			if x.ExternalID == ext && x.Open {
				v = x
			}
		}
	} else {
		return nil, fail("invalid_arguments")
	}
	if v == nil || !v.Open {
		return nil, fail("not_found")
	}
	if h := a.str("hash"); h != "" && h != v.Hash {
		return nil, fail("hash_conflict")
	}
	raw := a.rawJSON("view")
	if e := checkView(raw, v.Type); e != nil {
		return nil, e
	}
	if w.duplicateExternalID(raw, v.ID) {
		return nil, fail("duplicate_external_id")
	}
	w.replaceView(v, raw, "views.update")
	return obj{"view": w.viewJSON(v)}, nil
}

func (w *Workspace) apiViewsPublish(a *apiReq) (obj, *apiError) {
	user := a.str("user_id")
	u := w.usersByID[user]
	if u == nil || u.IsBot {
		return nil, fail("user_not_found")
	}
	raw := a.rawJSON("view")
	if e := checkView(raw, "home"); e != nil {
		return nil, e
	}
	if id, ok := w.home[user]; ok {
		v := w.views[id]
		if h := a.str("hash"); h != "" && h != v.Hash {
			return nil, fail("hash_conflict")
		}
		w.replaceView(v, raw, "views.publish")
		w.emit(Event{Kind: EvHomePublished, User: user, ViewID: v.ID})
		return obj{"view": w.viewJSON(v)}, nil
	}
	v := w.newView(user, raw)
	w.home[user] = v.ID
	w.emit(Event{Kind: EvHomePublished, User: user, ViewID: v.ID})
	return obj{"view": w.viewJSON(v)}, nil
}
