package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// The JSON endpoints of the sandbox page, under /sandbox/api/. Reads are
// GET with ?user=; every action is a POST of a JSON object naming the
// acting user, and goes through the driver exactly as a test would, so the
// bot sees real Socket Mode envelopes.

// pageMaxMessages bounds the top-level messages one conversation returns.
const pageMaxMessages = 200

// pageActionTimeout bounds how long one click waits for the bot.
const pageActionTimeout = 15 * time.Second

func (w *Workspace) pageAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sandbox/api/state", w.apiPageState)
	mux.HandleFunc("POST /sandbox/api/act", w.apiPageAct)
	mux.HandleFunc("POST /sandbox/api/submit", w.apiPageSubmit)
	mux.HandleFunc("POST /sandbox/api/close", w.apiPageClose)
	mux.HandleFunc("POST /sandbox/api/home", w.apiPageHome)
	mux.HandleFunc("POST /sandbox/api/send", w.apiPageSend)
	mux.HandleFunc("POST /sandbox/api/control", w.apiPageControl)
	mux.HandleFunc("GET /sandbox/api/files/{id}", w.apiPageFile) // files.go
	return mux
}

// pageUser is a member of the workspace as the page lists it.
type pageUser struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	RealName  string `json:"real_name"`
	Title     string `json:"title,omitempty"`
	IsManager bool   `json:"is_manager,omitempty"`
	IsBot     bool   `json:"is_bot,omitempty"`
	DM        string `json:"dm,omitempty"`
}

// pageConversation is a DM or channel in the sidebar.
type pageConversation struct {
	ID       string `json:"id"`
	Name     string `json:"name"` // "#sales" or the bot's name for the DM
	IsIM     bool   `json:"is_im"`
	Archived bool   `json:"archived,omitempty"`
	BotIn    bool   `json:"bot_member"`
}

// pageMessage is a message, an ephemeral or a thread reply.
type pageMessage struct {
	TS        string          `json:"ts"`
	ThreadTS  string          `json:"thread_ts,omitempty"`
	User      string          `json:"user"`
	IsBot     bool            `json:"is_bot,omitempty"`
	Text      string          `json:"text"`
	Blocks    json.RawMessage `json:"blocks,omitempty"`
	Edited    int             `json:"edited,omitempty"` // how many times updated
	Ephemeral bool            `json:"ephemeral,omitempty"`
	Files     []pageFile      `json:"files,omitempty"` // shared with the message (files.go)
	Replies   []*pageMessage  `json:"replies,omitempty"`
}

// pageView is a modal or Home tab: the view object as the bot sent it.
type pageView struct {
	ID      string            `json:"id"`
	Type    string            `json:"type"`
	Version int               `json:"version"`
	View    json.RawMessage   `json:"view"`
	Errors  map[string]string `json:"errors,omitempty"`
}

type pageControl struct {
	Index int    `json:"index"`
	Label string `json:"label"`
	Help  string `json:"help,omitempty"`
}

// pageState is everything the page shows for one user.
type pageState struct {
	Seq           uint64             `json:"seq"`
	Team          string             `json:"team"`
	BotUserID     string             `json:"bot_user_id"`
	BotName       string             `json:"bot_name"`
	BotConnected  bool               `json:"bot_connected"`
	EmptyNotice   string             `json:"empty_notice,omitempty"`
	Users         []pageUser         `json:"users"`
	ChannelNames  map[string]string  `json:"channel_names"`
	Controls      []pageControl      `json:"controls"`
	Me            *pageUser          `json:"me,omitempty"`
	Conversations []pageConversation `json:"conversations"`
	Conversation  *pageConversation  `json:"conversation,omitempty"`
	Messages      []*pageMessage     `json:"messages"`
	Modals        []pageView         `json:"modals"`
	Home          *pageView          `json:"home,omitempty"`
}

func (w *Workspace) apiPageState(rw http.ResponseWriter, r *http.Request) {
	w.learnBase(r)
	q := r.URL.Query()
	writePageJSON(rw, http.StatusOK, w.pageStateFor(q.Get("user"), q.Get("conv")))
}

// pageStateFor snapshots what user sees with conversation conv open.
func (w *Workspace) pageStateFor(user, conv string) pageState {
	connected := w.sock.count() > 0
	w.mu.Lock()
	defer w.mu.Unlock()
	st := pageState{Seq: w.seq, Team: w.cfg.TeamName, BotUserID: w.botUserID, BotName: w.cfg.BotName, EmptyNotice: w.emptyNotice,
		BotConnected: connected, ChannelNames: map[string]string{},
		Users: []pageUser{}, Controls: []pageControl{}, Conversations: []pageConversation{},
		Messages: []*pageMessage{}, Modals: []pageView{}}
	for _, u := range w.users {
		if u.Deleted {
			continue
		}
		st.Users = append(st.Users, pageUser{ID: u.ID, Name: u.Name, RealName: u.RealName, Title: u.Title,
			IsManager: u.IsManager, IsBot: u.IsBot, DM: u.DM})
	}
	for i, c := range w.cfg.Controls {
		st.Controls = append(st.Controls, pageControl{Index: i, Label: c.Label, Help: c.Help})
	}
	for _, id := range w.chanOrder {
		if c := w.channels[id]; !c.IsIM {
			st.ChannelNames[c.ID] = c.Name
		}
	}
	me := w.usersByID[user]
	if me == nil || me.IsBot || me.Deleted {
		return st
	}
	for _, u := range st.Users {
		if u.ID == me.ID {
			st.Me = &u
		}
	}
	for _, id := range w.chanOrder {
		c := w.channels[id]
		if !w.isMember(c, me.ID) {
			continue
		}
		pc := pageConversation{ID: c.ID, Name: "#" + c.Name, IsIM: c.IsIM, Archived: c.Archived, BotIn: c.BotMember}
		if c.IsIM {
			pc.Name = w.cfg.BotName
		}
		st.Conversations = append(st.Conversations, pc)
		if c.ID == conv {
			st.Conversation = &pc
		}
	}
	// DMs first, as in Slack's sidebar.
	sort.SliceStable(st.Conversations, func(i, j int) bool { return st.Conversations[i].IsIM && !st.Conversations[j].IsIM })
	if st.Conversation != nil {
		if ms := w.pageMessagesLocked(st.Conversation.ID, me.ID); ms != nil {
			st.Messages = ms
		}
	}
	for _, id := range w.modals[me.ID] {
		if v := w.views[id]; v != nil && v.Open {
			st.Modals = append(st.Modals, pageViewOf(v))
		}
	}
	if id, ok := w.home[me.ID]; ok {
		if v := w.views[id]; v != nil {
			pv := pageViewOf(v)
			st.Home = &pv
		}
	}
	return st
}

func pageViewOf(v *View) pageView {
	raw := v.Raw
	if len(raw) == 0 {
		raw = json.RawMessage("{}")
	}
	return pageView{ID: v.ID, Type: v.Type, Version: v.Version, View: raw, Errors: v.Errors}
}

// pageMessagesLocked lists a conversation as user sees it: messages and
// their ephemerals in time order, thread replies under their parent.
// Caller holds mu.
func (w *Workspace) pageMessagesLocked(channel, user string) []*pageMessage {
	var all []*pageMessage
	files := w.pageFilesLocked(channel)
	for _, m := range w.messages {
		if m.Channel != channel || m.Deleted {
			continue
		}
		all = append(all, &pageMessage{TS: m.TS, ThreadTS: m.ThreadTS, User: m.User, IsBot: m.BotID != "",
			Text: m.Text, Blocks: nonEmptyRaw(m.RawBlocks), Edited: m.Version(), Files: files[m.TS]})
	}
	for _, e := range w.ephemerals {
		if e.Channel != channel || e.User != user || e.Deleted {
			continue
		}
		all = append(all, &pageMessage{TS: e.TS, ThreadTS: e.ThreadTS, User: w.botUserID, IsBot: true,
			Text: e.Text, Blocks: nonEmptyRaw(e.RawBlocks), Ephemeral: true})
	}
	slices.SortStableFunc(all, func(a, b *pageMessage) int { return compareTS(a.TS, b.TS) })
	parents := map[string]*pageMessage{}
	var top []*pageMessage
	for _, m := range all {
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			if p := parents[m.ThreadTS]; p != nil {
				p.Replies = append(p.Replies, m)
				continue
			}
		}
		if !m.Ephemeral {
			parents[m.TS] = m
		}
		top = append(top, m)
	}
	if len(top) > pageMaxMessages {
		top = top[len(top)-pageMaxMessages:]
	}
	return top
}

func nonEmptyRaw(r json.RawMessage) json.RawMessage {
	if len(r) == 0 || string(r) == "null" {
		return nil
	}
	return r
}

// compareTS orders Slack timestamps "<sec>.<usec>" numerically.
func compareTS(a, b string) int {
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	if len(as) != len(bs) {
		return len(as) - len(bs)
	}
	if c := strings.Compare(as, bs); c != 0 {
		return c
	}
	return strings.Compare(af, bf)
}

// pageRequest is the body of every POST.
type pageRequest struct {
	User string `json:"user"`
	// act: where the element is and what was done to it.
	Surface struct {
		Kind    string `json:"kind"` // message, ephemeral, view
		Channel string `json:"channel"`
		TS      string `json:"ts"`
		ViewID  string `json:"view_id"`
	} `json:"surface"`
	BlockID  string   `json:"block_id"`
	ActionID string   `json:"action_id"`
	Value    string   `json:"value"`
	Options  []string `json:"options"`
	// submit / close
	ViewID string `json:"view_id"`
	Values map[string]struct {
		Value   string   `json:"value"`
		Options []string `json:"options"`
	} `json:"values"`
	// send
	Channel  string `json:"channel"`
	Text     string `json:"text"`
	ThreadTS string `json:"thread_ts"`
	// control
	Index int `json:"index"`
}

// pageResult is the answer to every POST.
type pageResult struct {
	OK      bool              `json:"ok"`
	Error   string            `json:"error,omitempty"`
	Message string            `json:"message,omitempty"`
	Errors  map[string]string `json:"errors,omitempty"` // per block, for a modal
}

func (w *Workspace) readPageRequest(rw http.ResponseWriter, r *http.Request) (pageRequest, User, bool) {
	w.learnBase(r)
	var req pageRequest
	// The page sends JSON with fetch; a form posted from another site cannot
	// set this content type without a CORS preflight, which we never grant.
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writePageJSON(rw, http.StatusUnsupportedMediaType, pageResult{Error: "send application/json"})
		return req, User{}, false
	}
	if err := json.NewDecoder(http.MaxBytesReader(rw, r.Body, 1<<20)).Decode(&req); err != nil {
		writePageJSON(rw, http.StatusBadRequest, pageResult{Error: "bad request: " + err.Error()})
		return req, User{}, false
	}
	w.mu.Lock()
	p := w.usersByID[req.User]
	var u User
	if p != nil {
		u = *p
	}
	w.mu.Unlock()
	if p == nil || p.IsBot || p.Deleted {
		if r.URL.Path == "/sandbox/api/control" {
			return req, User{}, true
		}
		writePageJSON(rw, http.StatusBadRequest, pageResult{Error: fmt.Sprintf("unknown user %q", req.User)})
		return req, User{}, false
	}
	return req, u, true
}

// ackResult turns the outcome of an envelope into the page's answer.
func ackResult(rw http.ResponseWriter, ack AckResult, err error) {
	switch {
	case err != nil:
		writePageJSON(rw, http.StatusOK, pageResult{Error: strings.TrimPrefix(err.Error(), "sandbox: ")})
	case ack.EnvelopeID != "" && !ack.Acked:
		writePageJSON(rw, http.StatusOK, pageResult{Error: "the bot did not answer in time (is it running?)"})
	case ack.ResponseError != "":
		writePageJSON(rw, http.StatusOK, pageResult{Error: "the bot's answer could not be shown: " + ack.ResponseError})
	default:
		res := pageResult{OK: true, Errors: ack.Errors}
		if ack.Late {
			res.Message = "the bot answered late: Slack would have shown an error"
		}
		writePageJSON(rw, http.StatusOK, res)
	}
}

func actionContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), pageActionTimeout)
}

func (w *Workspace) apiPageAct(rw http.ResponseWriter, r *http.Request) {
	req, u, ok := w.readPageRequest(rw, r)
	if !ok {
		return
	}
	var s Surface
	switch req.Surface.Kind {
	case "message":
		s = Message{Channel: req.Surface.Channel, TS: req.Surface.TS}
	case "ephemeral":
		s = Ephemeral{Channel: req.Surface.Channel, TS: req.Surface.TS, User: u.ID}
	case "view":
		s = View{ID: req.Surface.ViewID, User: u.ID}
	default:
		writePageJSON(rw, http.StatusBadRequest, pageResult{Error: "surface.kind must be message, ephemeral or view"})
		return
	}
	if req.ActionID == "" {
		writePageJSON(rw, http.StatusBadRequest, pageResult{Error: "action_id is required"})
		return
	}
	key := req.ActionID
	if req.BlockID != "" {
		key = req.BlockID + "/" + req.ActionID
	}
	in := Input{Value: req.Value}
	if len(req.Options) > 0 {
		in = Options(req.Options...)
	}
	ctx, cancel := actionContext(r)
	defer cancel()
	ack, err := w.Act(ctx, u, s, key, in)
	ackResult(rw, ack, err)
}

func (w *Workspace) apiPageSubmit(rw http.ResponseWriter, r *http.Request) {
	req, u, ok := w.readPageRequest(rw, r)
	if !ok {
		return
	}
	values := map[string]Input{}
	for k, v := range req.Values {
		values[k] = Input{Value: v.Value, Options: v.Options}
	}
	ctx, cancel := actionContext(r)
	defer cancel()
	ack, err := w.SubmitView(ctx, u, View{ID: req.ViewID, User: u.ID}, values)
	if errors.Is(err, ErrRequired) {
		// Slack's client refuses to submit; say so on the block.
		_, key, _ := strings.Cut(err.Error(), ErrRequired.Error()+": ")
		block, _, _ := strings.Cut(key, "/")
		writePageJSON(rw, http.StatusOK, pageResult{Error: "Please complete the required fields.",
			Errors: map[string]string{block: "Please complete this required field."}})
		return
	}
	ackResult(rw, ack, err)
}

func (w *Workspace) apiPageClose(rw http.ResponseWriter, r *http.Request) {
	req, u, ok := w.readPageRequest(rw, r)
	if !ok {
		return
	}
	ctx, cancel := actionContext(r)
	defer cancel()
	ack, err := w.CloseView(ctx, u, View{ID: req.ViewID, User: u.ID})
	ackResult(rw, ack, err)
}

func (w *Workspace) apiPageHome(rw http.ResponseWriter, r *http.Request) {
	_, u, ok := w.readPageRequest(rw, r)
	if !ok {
		return
	}
	ctx, cancel := actionContext(r)
	defer cancel()
	ack, err := w.OpenHome(ctx, u)
	ackResult(rw, ack, err)
}

// atMention matches "@name" typed in the message box.
var atMention = regexp.MustCompile(`(^|[\s(])@([\p{L}\p{N}._-]+)`)

// mentionsToIDs turns "@leadbot" and "@handle" typed literally into the
// "<@U…>" Slack sends; unknown names stay as typed.
func (w *Workspace) mentionsToIDs(text string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return atMention.ReplaceAllStringFunc(text, func(s string) string {
		sub := atMention.FindStringSubmatch(s)
		name := strings.ToLower(sub[2])
		for _, u := range w.users {
			if !u.Deleted && strings.ToLower(u.Name) == name {
				return sub[1] + "<@" + u.ID + ">"
			}
		}
		return s
	})
}

// slackEscape escapes what a Slack client escapes in typed text.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func (w *Workspace) apiPageSend(rw http.ResponseWriter, r *http.Request) {
	req, u, ok := w.readPageRequest(rw, r)
	if !ok {
		return
	}
	text := strings.TrimSpace(req.Text)
	if text == "" {
		writePageJSON(rw, http.StatusBadRequest, pageResult{Error: "nothing to send"})
		return
	}
	ctx, cancel := actionContext(r)
	defer cancel()
	if strings.HasPrefix(text, "/") {
		cmd, args, _ := strings.Cut(text, " ")
		ack, err := w.SlashCommandIn(ctx, u, req.Channel, cmd, strings.TrimSpace(args))
		ackResult(rw, ack, err)
		return
	}
	_, ack, err := w.PostAsUser(ctx, u, req.Channel, w.mentionsToIDs(slackEscape.Replace(text)), req.ThreadTS)
	ackResult(rw, ack, err)
}

func (w *Workspace) apiPageControl(rw http.ResponseWriter, r *http.Request) {
	req, _, ok := w.readPageRequest(rw, r)
	if !ok {
		return
	}
	if req.Index < 0 || req.Index >= len(w.cfg.Controls) || w.cfg.Controls[req.Index].Run == nil {
		writePageJSON(rw, http.StatusBadRequest, pageResult{Error: "no such control"})
		return
	}
	c := w.cfg.Controls[req.Index]
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()
	msg, err := c.Run(ctx)
	if err != nil {
		writePageJSON(rw, http.StatusOK, pageResult{Error: err.Error(), Message: msg})
		return
	}
	writePageJSON(rw, http.StatusOK, pageResult{OK: true, Message: msg})
}

func writePageJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}
