package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// obj is a JSON object under construction.
type obj = map[string]any

// apiReq is one Web API request, whatever its encoding.
type apiReq struct {
	method string
	form   url.Values
	body   map[string]json.RawMessage // JSON bodies
	token  string
	bearer bool // token came from the Authorization header
}

// str returns a parameter as a string; JSON values that are not strings
// come back as their JSON text.
func (a *apiReq) str(key string) string {
	if raw, ok := a.body[key]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		if string(raw) == "null" {
			return ""
		}
		return string(raw)
	}
	return a.form.Get(key)
}

// has reports whether the parameter was sent at all.
func (a *apiReq) has(key string) bool {
	if _, ok := a.body[key]; ok {
		return true
	}
	_, ok := a.form[key]
	return ok
}

// rawJSON returns a JSON-valued parameter (blocks, view): as-is from a JSON
// body, or parsed from the string a form post carries.
func (a *apiReq) rawJSON(key string) json.RawMessage {
	if raw, ok := a.body[key]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return json.RawMessage(s)
		}
		return raw
	}
	if v := a.form.Get(key); v != "" {
		return json.RawMessage(v)
	}
	return nil
}

func (a *apiReq) boolean(key string) bool {
	b, _ := strconv.ParseBool(a.str(key))
	return b
}

// apiError is a Slack error response: ok:false and its code.
type apiError struct {
	code     string
	messages []string // response_metadata.messages
	errors   []string // "errors", as invalid_blocks carries
}

func fail(code string) *apiError { return &apiError{code: code} }

// tokenKind says which token a method needs.
func tokenKind(method string) string {
	switch method {
	case "apps.connections.open":
		return "app"
	case "auth.test":
		return "any"
	}
	return "bot"
}

type apiHandler func(w *Workspace, a *apiReq) (obj, *apiError)

var apiMethods = map[string]apiHandler{
	"auth.test":             (*Workspace).apiAuthTest,
	"apps.connections.open": (*Workspace).apiConnectionsOpen,
	"chat.postMessage":      (*Workspace).apiPostMessage,
	"chat.update":           (*Workspace).apiUpdate,
	"chat.postEphemeral":    (*Workspace).apiPostEphemeral,
	"chat.delete":           (*Workspace).apiDelete,
	"conversations.open":    (*Workspace).apiConversationsOpen,
	"conversations.info":    (*Workspace).apiConversationsInfo,
	"conversations.history": (*Workspace).apiConversationsHistory, // history.go
	"users.info":            (*Workspace).apiUsersInfo,
	"users.list":            (*Workspace).apiUsersList,
	"users.lookupByEmail":   (*Workspace).apiLookupByEmail,
	"views.open":            (*Workspace).apiViewsOpen,
	"views.push":            (*Workspace).apiViewsPush,
	"views.update":          (*Workspace).apiViewsUpdate,
	"views.publish":         (*Workspace).apiViewsPublish,
	// files.go
	"files.getUploadURLExternal":   (*Workspace).apiGetUploadURLExternal,
	"files.completeUploadExternal": (*Workspace).apiCompleteUploadExternal,
}

func (w *Workspace) serveAPI(rw http.ResponseWriter, r *http.Request) {
	if key, ok := strings.CutPrefix(r.URL.Path, uploadPath); ok { // files.go
		w.serveUpload(rw, r, key)
		return
	}
	w.learnBase(r)
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	a, err := parseAPIRequest(method, r)
	if err != nil {
		w.reply(rw, a, http.StatusOK, nil, fail("invalid_form_data"))
		return
	}
	h, ok := apiMethods[method]
	if !ok {
		w.reply(rw, a, http.StatusOK, nil, fail("unknown_method"))
		return
	}
	if e := w.checkToken(a); e != nil {
		w.reply(rw, a, http.StatusOK, nil, e)
		return
	}
	channel := ""
	if method == "chat.postMessage" {
		w.mu.Lock()
		if c := w.resolveChannel(a.str("channel")); c != nil {
			channel = c.ID
		}
		w.mu.Unlock()
	}
	if d := w.limiter.latency(); d > 0 { // Slack's own time to answer
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	if ok, retryAfter := w.limiter.allow(method, channel); !ok {
		rw.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		w.reply(rw, a, http.StatusTooManyRequests, nil, fail("ratelimited"))
		return
	}
	// The call is recorded under the same lock as its effect, so that whoever sees the effect
	// (a message updated) also finds the call that made it.
	w.mu.Lock()
	res, e := h(w, a)
	w.record(a, http.StatusOK, e)
	w.mu.Unlock()
	if w.limiter.answerLost(method) {
		loseAnswer(rw) // the call took effect; its answer never arrives
		return
	}
	w.writeReply(rw, a, http.StatusOK, res, e)
}

func parseAPIRequest(method string, r *http.Request) (*apiReq, error) {
	a := &apiReq{method: method, form: url.Values{}}
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		a.token, a.bearer = strings.TrimPrefix(h, "Bearer "), true
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			return a, err
		}
		a.form = r.URL.Query()
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &a.body); err != nil {
				return a, err
			}
		}
	} else {
		if err := r.ParseForm(); err != nil {
			return a, err
		}
		a.form = r.Form
	}
	if !a.bearer {
		a.token = a.str("token")
	}
	return a, nil
}

// checkToken applies Slack's auth rules: no token is not_authed, an unknown
// one invalid_auth, the wrong kind not_allowed_token_type. The app token is
// only accepted from the Authorization header, as Slack documents.
func (w *Workspace) checkToken(a *apiReq) *apiError {
	if a.token == "" {
		return fail("not_authed")
	}
	isBot, isApp := a.token == w.cfg.BotToken, a.token == w.cfg.AppToken
	if !isBot && !isApp {
		return fail("invalid_auth")
	}
	switch tokenKind(a.method) {
	case "app":
		if !isApp {
			return fail("not_allowed_token_type")
		}
		if !a.bearer {
			return fail("not_authed")
		}
	case "bot":
		if !isBot {
			return fail("not_allowed_token_type")
		}
	}
	return nil
}

// reply records the call and writes the JSON response.
func (w *Workspace) reply(rw http.ResponseWriter, a *apiReq, status int, res obj, e *apiError) {
	w.mu.Lock()
	w.record(a, status, e)
	w.mu.Unlock()
	w.writeReply(rw, a, status, res, e)
}

// record records a call. Caller holds mu.
func (w *Workspace) record(a *apiReq, status int, e *apiError) {
	call := APICall{Method: a.method, At: time.Now(), Status: status, Params: a.params()}
	if e != nil {
		call.Error = e.code
	}
	w.calls = append(w.calls, call)
	w.emit(Event{Kind: EvAPICall, Method: a.method, Detail: call.Error})
}

// writeReply writes the JSON response of a call.
func (w *Workspace) writeReply(rw http.ResponseWriter, a *apiReq, status int, res obj, e *apiError) {
	if res == nil {
		res = obj{}
	}
	code := ""
	if e != nil {
		code = e.code
		res = obj{"ok": false, "error": e.code}
		if len(e.errors) > 0 {
			res["errors"] = e.errors
		}
		if len(e.messages) > 0 {
			res["response_metadata"] = obj{"messages": e.messages}
		}
	} else {
		res["ok"] = true
	}
	w.log.Debug("sandbox: api", "method", a.method, "status", status, "error", code)
	writeJSON(rw, status, res)
}

// params flattens the request for the call record, without the token.
func (a *apiReq) params() map[string]string {
	p := map[string]string{}
	for k := range a.form {
		p[k] = a.form.Get(k)
	}
	for k := range maps.Keys(a.body) {
		p[k] = a.str(k)
	}
	delete(p, "token")
	return p
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}

func (w *Workspace) apiAuthTest(a *apiReq) (obj, *apiError) {
	return obj{
		"url": "https://" + w.cfg.TeamName + ".slack.com/", "team": w.cfg.TeamName, "user": w.cfg.BotName,
		"team_id": w.cfg.TeamID, "user_id": w.botUserID, "bot_id": w.botID, "is_enterprise_install": false,
	}, nil
}

func (w *Workspace) apiConnectionsOpen(a *apiReq) (obj, *apiError) {
	ticket := newUUID()
	w.tickets[ticket] = false
	u := strings.Replace(w.baseURL, "http", "ws", 1) + "/link/?ticket=" + ticket + "&app_id=" + w.appID
	return obj{"url": u}, nil
}
