package sandbox

import (
	"encoding/json"
	"time"

	"github.com/slack-go/slack"
)

// User is a member of the workspace.
type User struct {
	ID       string // "U…", assigned by AddUser unless preset
	Name     string // handle, e.g. "alice"
	RealName string // defaults to Name
	Email    string
	TZ       string // IANA zone, default "America/New_York"
	Title    string // profile title; "Sales Manager" by default for managers
	// IsManager marks a sales manager. Slack has no such flag, so it only
	// shows in the profile title; the bot learns managers from its config.
	IsManager bool
	IsAdmin   bool
	IsBot     bool
	Deleted   bool
	DM        string // the "D…" channel between this user and the bot
}

// Channel is a conversation: a DM between a user and the bot, or a channel.
type Channel struct {
	ID        string // "C…" or "D…"
	Name      string // without '#'; empty for DMs
	IsIM      bool
	User      string   // the other party of a DM
	Members   []string // user ids (channels only)
	BotMember bool     // whether the bot was invited (DMs: always)
	Archived  bool
}

// Revision is one state of a message: as posted, then after each update.
type Revision struct {
	Text      string
	Blocks    slack.Blocks
	RawBlocks json.RawMessage
	At        time.Time
	By        string // "chat.postMessage", "chat.update", "response_url", …
}

// Message is a message in a channel or DM, with its update history.
type Message struct {
	Channel   string
	TS        string
	ThreadTS  string // parent ts for thread replies
	User      string // author user id (the bot user for bot messages)
	BotID     string // "B…" for bot messages
	Text      string
	Blocks    slack.Blocks    // decoded with slack-go
	RawBlocks json.RawMessage // exactly as the bot sent them
	// History holds every revision, oldest first; the last is the current one.
	History []Revision
	Deleted bool
	// Metadata is the message metadata posted with it ({"event_type", "event_payload"}), which
	// conversations.history returns with include_all_metadata.
	Metadata json.RawMessage
}

// Version is how many times the message was updated.
func (m Message) Version() int { return len(m.History) - 1 }

// Ephemeral is a message only one user sees.
type Ephemeral struct {
	Channel   string
	User      string // who sees it
	TS        string
	ThreadTS  string
	Text      string
	Blocks    slack.Blocks
	RawBlocks json.RawMessage
	// Source is what posted it: "chat.postEphemeral", "slash_ack", "response_url".
	Source  string
	History []Revision
	Deleted bool
}

// View is a modal or a Home tab as the user sees it.
type View struct {
	ID              string // "V…"
	Type            string // "modal" or "home"
	User            string
	CallbackID      string
	ExternalID      string
	PrivateMetadata string
	Hash            string
	RootViewID      string
	PreviousViewID  string
	Title           string
	NotifyOnClose   bool
	Blocks          slack.Blocks
	Raw             json.RawMessage // the view object as the bot sent it
	// Errors are the per-block errors of the last response_action "errors".
	Errors map[string]string
	// Version counts updates (views.update, response_action update, publish).
	Version int
	Open    bool // false once closed (modals) — kept for inspection

	state obj // state.values as last submitted or acted on
}

// APICall records one Web API call the bot made.
type APICall struct {
	Method string
	At     time.Time
	Status int    // HTTP status
	Error  string // Slack error code, "" when ok
	Params map[string]string
}

// AckResult is what became of one envelope.
type AckResult struct {
	EnvelopeID string
	Type       string // slash_commands, interactive, events_api
	Subtype    string // block_actions, view_submission, view_closed, app_home_opened, …
	Attempt    int    // retry_attempt of the delivery that was acked
	Sent       time.Time
	Latency    time.Duration // from the frame being written to the ack being read
	Acked      bool
	Late       bool // acked after the deadline: Slack shows the user an error
	Payload    json.RawMessage
	// ResponseAction is the view_submission response_action ("" closes).
	ResponseAction string
	// Errors are the view_submission per-block errors.
	Errors map[string]string
	// ResponseError is why the ack's payload could not be applied (e.g. an
	// invalid view in response_action "update"); Slack shows the user an error.
	ResponseError string
}

// Failed reports whether Slack would count this delivery as failed.
func (r AckResult) Failed() bool { return !r.Acked || r.Late }

// EventKind names a change in the workspace.
type EventKind string

// The kinds of Event.
const (
	EvMessagePosted  EventKind = "message_posted"
	EvMessageUpdated EventKind = "message_updated"
	EvMessageDeleted EventKind = "message_deleted"
	EvEphemeral      EventKind = "ephemeral"
	EvViewOpened     EventKind = "view_opened"
	EvViewUpdated    EventKind = "view_updated"
	EvViewClosed     EventKind = "view_closed"
	EvHomePublished  EventKind = "home_published"
	EvEnvelopeSent   EventKind = "envelope_sent"
	EvEnvelopeAcked  EventKind = "envelope_acked"
	EvEnvelopeFailed EventKind = "envelope_failed"
	EvConnected      EventKind = "connected"
	EvDisconnected   EventKind = "disconnected"
	EvAPICall        EventKind = "api_call"
	EvUserAdded      EventKind = "user_added"
	EvChannelAdded   EventKind = "channel_added"
)

// Event is one entry of the workspace's change feed.
type Event struct {
	Seq        uint64
	At         time.Time
	Kind       EventKind
	User       string
	Channel    string
	TS         string
	ViewID     string
	EnvelopeID string
	Method     string
	Detail     string
}
