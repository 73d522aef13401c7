package sandbox_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
)

// pageState is the part of /sandbox/api/state the tests read.
type pageState struct {
	BotUserID string `json:"bot_user_id"`
	Users     []struct {
		ID       string `json:"id"`
		RealName string `json:"real_name"`
	} `json:"users"`
	Controls []struct {
		Index int    `json:"index"`
		Label string `json:"label"`
	} `json:"controls"`
	Me *struct {
		ID string `json:"id"`
	} `json:"me"`
	Conversations []struct {
		ID   string `json:"id"`
		IsIM bool   `json:"is_im"`
	} `json:"conversations"`
	Messages []struct {
		TS        string          `json:"ts"`
		Text      string          `json:"text"`
		Blocks    json.RawMessage `json:"blocks"`
		Ephemeral bool            `json:"ephemeral"`
		Files     []struct {
			ID       string `json:"id"`
			Title    string `json:"title"`
			Mimetype string `json:"mimetype"`
			URL      string `json:"url"`
			Width    int    `json:"original_w"`
			Height   int    `json:"original_h"`
		} `json:"files"`
		Replies []struct {
			Text string `json:"text"`
		} `json:"replies"`
	} `json:"messages"`
	Modals []struct {
		ID     string            `json:"id"`
		Errors map[string]string `json:"errors"`
	} `json:"modals"`
	Home *struct {
		ID string `json:"id"`
	} `json:"home"`
}

type pageResult struct {
	OK      bool              `json:"ok"`
	Error   string            `json:"error"`
	Message string            `json:"message"`
	Errors  map[string]string `json:"errors"`
}

func getState(t *testing.T, sb *sandbox.Workspace, user, conv string) pageState {
	t.Helper()
	res, err := http.Get(strings.TrimSuffix(sb.APIURL(), "/api/") + "/sandbox/api/state?user=" + user + "&conv=" + conv)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st pageState
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func postPage(t *testing.T, sb *sandbox.Workspace, path string, body any) pageResult {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(strings.TrimSuffix(sb.APIURL(), "/api/")+"/sandbox/api/"+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r pageResult
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPageServesItselfSafely(t *testing.T) {
	sb := sandboxtest.Start(t)
	base := strings.TrimSuffix(sb.APIURL(), "/api/")
	for path, want := range map[string]int{"/": 200, "/sandbox/page/app.js": 200, "/sandbox/page/style.css": 200, "/nope": 404} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, res.StatusCode, want)
		}
		if want == 200 && !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s: no CSP", path)
		}
	}
	// A form posted from another site cannot act: only JSON is accepted.
	res, err := http.Post(base+"/sandbox/api/send", "application/x-www-form-urlencoded", strings.NewReader("user=U1&text=hi"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form post = %d", res.StatusCode)
	}
	// No JavaScript file builds markup from strings.
	js, _ := http.Get(base + "/sandbox/page/app.js")
	src, _ := io.ReadAll(js.Body)
	js.Body.Close()
	if bytes.Contains(src, []byte(".innerHTML")) || bytes.Contains(src, []byte(".outerHTML")) || bytes.Contains(src, []byte("insertAdjacentHTML")) {
		t.Error("app.js uses innerHTML: build the DOM with textContent")
	}
}

func TestPageClickThroughMessageAndModal(t *testing.T) {
	ran := 0
	sb := sandboxtest.Start(t, sandbox.Config{Controls: []sandbox.Control{{Label: "Send digests", Run: func(ctx context.Context) (string, error) {
		ran++
		return "Sent 1 digest", nil
	}}, {Label: "Broken", Run: func(ctx context.Context) (string, error) { return "", errors.New("no database") }}}})
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice", RealName: "Alice <script>", Email: "alice@example.com"})
	sales := sb.AddChannel(sandbox.Channel{Name: "sales", Members: []string{alice.ID}, BotMember: true})
	sb.AddChannel(sandbox.Channel{Name: "secret", BotMember: true})
	b := leadBot(t, sb)

	st := getState(t, sb, "", "")
	if st.Me != nil || len(st.Users) != 2 || len(st.Controls) != 2 {
		t.Fatalf("anonymous state = %+v", st)
	}
	if r := postPage(t, sb, "control", map[string]any{"index": 0}); !r.OK || r.Message != "Sent 1 digest" || ran != 1 {
		t.Errorf("control = %+v (ran %d)", r, ran)
	}
	if r := postPage(t, sb, "control", map[string]any{"index": 1}); r.OK || r.Error != "no database" {
		t.Errorf("failing control = %+v", r)
	}

	st = getState(t, sb, alice.ID, alice.DM)
	if len(st.Conversations) != 2 || !st.Conversations[0].IsIM || st.Conversations[1].ID != sales.ID {
		t.Errorf("conversations = %+v (DM first, then #sales only)", st.Conversations)
	}
	if st.Messages == nil {
		t.Error("messages is null for an empty conversation")
	}

	postDigest(t, b, alice)
	msg, err := sb.WaitMessage(ctx, func(m sandbox.Message) bool { return m.Channel == alice.DM })
	if err != nil {
		t.Fatal(err)
	}
	st = getState(t, sb, alice.ID, alice.DM)
	if len(st.Messages) != 1 || !bytes.Contains(st.Messages[0].Blocks, []byte(`"lead_down"`)) {
		t.Fatalf("messages = %+v", st.Messages)
	}

	// 👎 as the page sends it: the block and the button's value.
	surface := map[string]any{"kind": "message", "channel": msg.Channel, "ts": msg.TS}
	if r := postPage(t, sb, "act", map[string]any{"user": alice.ID, "surface": surface, "block_id": "lead_42", "action_id": "lead_down", "value": "42"}); !r.OK {
		t.Fatalf("act = %+v", r)
	}
	if _, err := sb.WaitView(ctx, func(v sandbox.View) bool { return v.User == alice.ID && v.CallbackID == "reason" }); err != nil {
		t.Fatal(err)
	}
	st = getState(t, sb, alice.ID, alice.DM)
	if len(st.Modals) != 1 {
		t.Fatalf("modals = %+v", st.Modals)
	}
	view := st.Modals[0].ID
	empty := map[string]any{"reason_block/reason": map[string]any{}, "note_block/note": map[string]any{"value": ""}}
	if r := postPage(t, sb, "submit", map[string]any{"user": alice.ID, "view_id": view, "values": empty}); r.OK || r.Errors["reason_block"] == "" {
		t.Errorf("empty required submit = %+v", r)
	}
	other := map[string]any{"reason_block/reason": map[string]any{"options": []string{"other"}}, "note_block/note": map[string]any{"value": ""}}
	if r := postPage(t, sb, "submit", map[string]any{"user": alice.ID, "view_id": view, "values": other}); !r.OK || r.Errors["note_block"] != "Tell us why" {
		t.Errorf("submit without note = %+v", r)
	}
	if st = getState(t, sb, alice.ID, alice.DM); len(st.Modals) != 1 || st.Modals[0].Errors["note_block"] != "Tell us why" {
		t.Errorf("modal errors = %+v", st.Modals)
	}
	other["note_block/note"] = map[string]any{"value": "no budget"}
	if r := postPage(t, sb, "submit", map[string]any{"user": alice.ID, "view_id": view, "values": other}); !r.OK || len(r.Errors) > 0 {
		t.Errorf("submit = %+v", r)
	}
	if _, err := sb.WaitUpdate(ctx, msg, nil); err != nil {
		t.Fatal(err)
	}
	if st = getState(t, sb, alice.ID, alice.DM); len(st.Modals) != 0 || st.Messages[0].Text != "👎 recorded: other (no budget)" {
		t.Errorf("after submit: modals %+v, message %q", st.Modals, st.Messages[0].Text)
	}

	// The message box: a slash command answers ephemerally; text is posted as the user, with
	// "@leadbot" turned into a mention.
	if r := postPage(t, sb, "send", map[string]any{"user": alice.ID, "channel": alice.DM, "text": "/leads"}); !r.OK {
		t.Errorf("slash = %+v", r)
	}
	if _, err := sb.WaitEphemeral(ctx, func(e sandbox.Ephemeral) bool { return e.User == alice.ID }); err != nil {
		t.Fatal(err)
	}
	if st = getState(t, sb, alice.ID, alice.DM); !st.Messages[len(st.Messages)-1].Ephemeral {
		t.Errorf("last message is not the ephemeral answer: %+v", st.Messages)
	}
	if r := postPage(t, sb, "send", map[string]any{"user": alice.ID, "channel": sales.ID, "text": "@leadbot acme <b>"}); !r.OK {
		t.Errorf("mention = %+v", r)
	}
	if _, err := sb.WaitMessage(ctx, func(m sandbox.Message) bool {
		return m.Channel == sales.ID && m.Text == "<@"+sb.BotUserID()+"> acme &lt;b&gt;"
	}); err != nil {
		t.Fatal(err)
	}
	if r := postPage(t, sb, "send", map[string]any{"user": alice.ID, "channel": "C_NOPE", "text": "hi"}); r.OK {
		t.Errorf("post to an unknown channel = %+v", r)
	}

	// Home: opening the tab sends app_home_opened; the bot publishes.
	if r := postPage(t, sb, "home", map[string]any{"user": alice.ID}); !r.OK {
		t.Errorf("home = %+v", r)
	}
	if _, err := sb.WaitView(ctx, func(v sandbox.View) bool { return v.User == alice.ID && v.Type == "home" }); err != nil {
		t.Fatal(err)
	}
	if st = getState(t, sb, alice.ID, "home"); st.Home == nil {
		t.Error("no home view in the state")
	}
}

func TestPageEventStream(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	bob := sb.AddUser(sandbox.User{Name: "bob"})
	req, _ := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(sb.APIURL(), "/api/")+"/sandbox/events?user="+alice.ID, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	lines := bufio.NewScanner(res.Body)
	next := func(prefix string) string {
		t.Helper()
		for lines.Scan() {
			if l := lines.Text(); strings.HasPrefix(l, prefix) {
				return l
			}
		}
		t.Fatalf("stream ended: %v", lines.Err())
		return ""
	}
	next("event: hello")
	// Bob's DM is none of Alice's business; her own DM is.
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
	if _, _, err := api.PostMessageContext(ctx, bob.DM, slack.MsgOptionText("for bob", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessageContext(ctx, alice.DM, slack.MsgOptionText("for alice", false)); err != nil {
		t.Fatal(err)
	}
	next("event: change")
	data := next("data: ")
	var ev struct{ Kind, Channel string }
	if err := json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Kind != "message_posted" || ev.Channel != alice.DM {
		t.Errorf("first event = %+v, want Alice's message", ev)
	}
}
