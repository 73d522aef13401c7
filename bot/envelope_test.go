package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/bot"
)

// rawSlack is a Socket Mode endpoint that sends frames as they are given, malformed ones too
// (the sandbox only sends what Slack would), and hands each ack back. Each connection the bot
// opens arrives on conns.
type rawSlack struct {
	srv   *httptest.Server
	conns chan *websocket.Conn
}

func startRawSlack(t *testing.T) *rawSlack {
	t.Helper()
	rs := &rawSlack{conns: make(chan *websocket.Conn, 8)}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	rs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/apps.connections.open" {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": "ws://" + r.Host + "/link"})
			return
		}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		rs.conns <- c
	}))
	t.Cleanup(rs.srv.Close)
	return rs
}

// next waits for the bot's next connection.
func (rs *rawSlack) next(t *testing.T) *websocket.Conn {
	t.Helper()
	select {
	case c := <-rs.conns:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("the bot did not connect")
		return nil
	}
}

// ack is what the bot answered to an envelope.
type ack struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload"`
}

// send writes frame and waits for the ack of envelope id.
func send(t *testing.T, c *websocket.Conn, frame []byte, id string) (ack, error) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, frame); err != nil {
		return ack{}, err
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var a ack
		if err := c.ReadJSON(&a); err != nil {
			return ack{}, err
		}
		if a.EnvelopeID == id {
			return a, nil
		}
	}
}

func envelope(id, typ, payload string) []byte {
	return []byte(`{"envelope_id":"` + id + `","type":"` + typ + `","accepts_response_payload":true,"payload":` + payload + `}`)
}

// TestMalformedEnvelopesDoNotStopTheBot: every malformed envelope is acked (with a generic error
// where Slack shows one), its handler never runs on what it lacks, and the next envelope is
// handled. A view_submission without state used to panic in the validator before the ack and
// take the process down; a frame past the read limit used to be read whole.
func TestMalformedEnvelopesDoNotStopTheBot(t *testing.T) {
	rs := startRawSlack(t)
	r := bot.NewRouter()
	handled := make(chan string, 16)
	r.ViewSubmission("reason", bot.ViewHandler{
		Validate: func(cb *slack.InteractionCallback) map[string]string {
			_ = cb.View.State.Values["b"]["a"].Value // as handlers' validateReason reads it
			return nil
		},
		Submit: func(context.Context, *slack.InteractionCallback) { handled <- "submit" },
	})
	r.ViewSubmission("buggy", bot.ViewHandler{
		Validate: func(*slack.InteractionCallback) map[string]string { panic("validator bug") },
	})
	r.Action("go", func(_ context.Context, _ *slack.InteractionCallback, a *slack.BlockAction) { handled <- a.ActionID })
	r.Slash("/ok", func(_ context.Context, c slack.SlashCommand) { handled <- c.Text })
	cfg := bot.Config{Connections: 1, MaxFrameBytes: 64 << 10, BotToken: "xoxb-t", AppToken: "xapp-t", APIURL: rs.srv.URL + "/"}
	b := bot.New(cfg, bot.NewClient(cfg), r)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	c := rs.next(t)

	user := `"user":{"id":"U1"}`
	cases := []struct {
		name, frame string
		generic     bool // the ack replaces the modal with the generic error
	}{
		{"view_submission without state", `{"type":"view_submission",` + user + `,"view":{"id":"V1","callback_id":"reason"}}`, true},
		{"view_submission with null state", `{"type":"view_submission",` + user + `,"view":{"id":"V1","callback_id":"reason","state":null}}`, true},
		{"validator panics", `{"type":"view_submission",` + user + `,"view":{"id":"V1","callback_id":"buggy","state":{"values":{}}}}`, true},
		{"view_submission without user", `{"type":"view_submission","view":{"id":"V1","callback_id":"reason","state":{"values":{}}}}`, true},
		{"null action", `{"type":"block_actions",` + user + `,"actions":[null]}`, false},
		{"action without id", `{"type":"block_actions",` + user + `,"actions":[{"value":"1"}]}`, false},
		{"view_closed without view", `{"type":"view_closed",` + user + `}`, false},
		{"payload of the wrong type", `"not an object"`, false},
		{"fields of the wrong type", `{"type":"block_actions","user":{"id":7},"actions":{}}`, false},
	}
	for i, tc := range cases {
		id := "e" + string(rune('a'+i))
		a, err := send(t, c, envelope(id, "interactive", tc.frame), id)
		if err != nil {
			t.Fatalf("%s: no ack: %v", tc.name, err)
		}
		if got := strings.Contains(string(a.Payload), "could not read what Slack sent"); got != tc.generic {
			t.Errorf("%s: ack %s, want the generic error: %v", tc.name, a.Payload, tc.generic)
		}
	}
	if a, err := send(t, c, envelope("s1", "slash_commands", `{"command":"","user_id":"U1"}`), "s1"); err != nil ||
		!strings.Contains(string(a.Payload), "could not read") {
		t.Errorf("slash command without a command: %s %v", a.Payload, err)
	}
	if _, err := send(t, c, envelope("ev1", "events_api", `{"type":"event_callback","event":null}`), "ev1"); err != nil {
		t.Errorf("event without an inner event: %v", err)
	}
	// A frame past the limit closes the connection unread; the bot reconnects and goes on.
	big := envelope("big", "interactive", `{"type":"block_actions",`+user+`,"actions":[{"action_id":"go","value":"`+strings.Repeat("x", 128<<10)+`"}]}`)
	if _, err := send(t, c, big, "big"); err == nil {
		t.Fatal("a frame past the read limit was read and acked")
	}
	c = rs.next(t)
	if _, err := send(t, c, envelope("ok", "slash_commands", `{"command":"/ok","user_id":"U1","text":"alive"}`), "ok"); err != nil {
		t.Fatalf("after the malformed envelopes: %v", err)
	}
	select {
	case got := <-handled:
		if got != "alive" {
			t.Fatalf("a handler ran on a malformed envelope: %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the bot stopped handling envelopes")
	}
}
