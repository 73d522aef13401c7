package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// MaxFrameBytes is the default bound on one Socket Mode frame (Config.MaxFrameBytes). The largest
// envelope Slack sends leadbot is a block action on a full message: 50 blocks of at most 3,000
// characters of text and ten 2,000-character fields each is about 1.2 MB of text, plus the view
// or the message's metadata. 4 MiB is three times that; a frame past it closes the connection
// before it is held in memory (the client reconnects at once), where a 64 MB envelope used to be
// read whole (386 MB of RSS).
const MaxFrameBytes = 4 << 20

// genericError is the text a person reads when leadbot could not make sense of what Slack sent
// (a malformed envelope, or a bug in the code that checks it): nothing was saved.
const genericError = "leadbot could not read what Slack sent for that, so nothing was saved. " +
	"Try again; if it keeps happening, tell whoever runs leadbot (the log has the details)."

// routed is what the router makes of one envelope, before the ack.
type routed struct {
	payload any                   // the ack's payload; nil acks empty
	work    func(context.Context) // what to do after the ack; nil for nothing
	urgent  bool                  // see UrgentAction
	userID  string                // who acted, when the envelope says
	// refused says why the envelope was refused as malformed ("" when it was not); the ack
	// then answers with genericError where Slack shows one.
	refused string
	// panicked is what a check panicked with, recovered; the ack answers as for refused.
	panicked any
	stack    []byte
}

// route checks an envelope's data (the value socketmode decoded) and returns what to ack and
// what to do. It never panics: a panic in a check (a validator running before the ack) is
// recovered into a generic error answer, so that no payload can stop the process.
func (r *Router) route(data any) (out routed) {
	defer func() {
		if p := recover(); p != nil {
			out = routed{userID: out.userID, panicked: p, stack: debug.Stack(), payload: errorPayload(data)}
		}
	}()
	switch d := data.(type) {
	case slack.SlashCommand:
		out.userID = d.UserID
		if why := checkSlash(d); why != "" {
			return routed{userID: d.UserID, refused: why, payload: errorPayload(data)}
		}
		out.work = r.slash(d)
	case slack.InteractionCallback:
		out.userID = d.User.ID
		if why := checkInteraction(&d); why != "" {
			return routed{userID: d.User.ID, refused: why, payload: errorPayload(data)}
		}
		out.payload, out.work, out.urgent = r.interaction(&d)
	case slackevents.EventsAPIEvent:
		if why := checkEvent(d); why != "" {
			return routed{refused: why}
		}
		out.work = r.event(d)
	case nil:
		return routed{refused: "the envelope carries no payload"}
	default:
		return routed{refused: fmt.Sprintf("an envelope of an unhandled type %T", data)}
	}
	return out
}

// errorPayload is the ack that tells the person something went wrong, where Slack shows the ack:
// a slash command's response message, or a modal replaced by one that says so. Block actions
// and events have no such answer.
func errorPayload(data any) any {
	switch d := data.(type) {
	case slack.SlashCommand:
		return map[string]any{"response_type": "ephemeral", "text": genericError}
	case slack.InteractionCallback:
		if d.Type != slack.InteractionTypeViewSubmission {
			return nil
		}
		return slack.NewUpdateViewSubmissionResponse(&slack.ModalViewRequest{
			Type:  slack.VTModal,
			Title: slack.NewTextBlockObject(slack.PlainTextType, "leadbot", false, false),
			Close: slack.NewTextBlockObject(slack.PlainTextType, "Close", false, false),
			Blocks: slack.Blocks{BlockSet: []slack.Block{
				slack.NewSectionBlock(slack.NewTextBlockObject(slack.PlainTextType, genericError, false, false), nil, nil),
			}},
		})
	}
	return nil
}

// checkSlash refuses a slash command that names no command or no user.
func checkSlash(c slack.SlashCommand) string {
	switch {
	case !strings.HasPrefix(c.Command, "/"):
		return fmt.Sprintf("slash command %q does not start with /", clip(c.Command))
	case c.UserID == "":
		return "slash command without user_id"
	}
	return ""
}

// checkInteraction refuses an interaction that lacks what its type always carries: a user, the
// actions of a block_actions (none nil, each with an action id), the view and its state of a
// view_submission, the view of a view_closed. Handlers may rely on these.
func checkInteraction(cb *slack.InteractionCallback) string {
	if cb.User.ID == "" {
		return fmt.Sprintf("%s interaction without user.id", clip(string(cb.Type)))
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return "block_actions without actions"
		}
		for i, a := range cb.ActionCallback.BlockActions {
			if a == nil || a.ActionID == "" {
				return fmt.Sprintf("block_actions: action %d has no action_id", i)
			}
		}
	case slack.InteractionTypeViewSubmission:
		switch {
		case cb.View.ID == "" || cb.View.CallbackID == "":
			return "view_submission without view.id or view.callback_id"
		case cb.View.State == nil || cb.View.State.Values == nil:
			return fmt.Sprintf("view_submission of %q without view.state.values", clip(cb.View.CallbackID))
		}
	case slack.InteractionTypeViewClosed:
		if cb.View.ID == "" || cb.View.CallbackID == "" {
			return "view_closed without view.id or view.callback_id"
		}
	}
	return ""
}

// checkEvent refuses an Events API envelope without an inner event.
func checkEvent(ev slackevents.EventsAPIEvent) string {
	if ev.Type == slackevents.CallbackEvent && (ev.InnerEvent.Type == "" || ev.InnerEvent.Data == nil) {
		return "event_callback without an inner event"
	}
	return ""
}

// clip shortens what goes into a log line from an envelope to 64 bytes, quoted.
func clip(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.Trim(fmt.Sprintf("%q", s), `"`)
}

// isReadLimit tells a frame past the read limit from other read errors.
func isReadLimit(err error) bool { return errors.Is(err, websocket.ErrReadLimit) }

// badMessage handles a frame socketmode could not decode: it is logged (its start, quoted) and,
// when it names an envelope, acknowledged, for Slack would otherwise send it again, and it
// would fail the same way every time.
func (b *Bot) badMessage(ctx context.Context, sock *socketmode.Client, data any) {
	bad, ok := data.(*socketmode.ErrorBadMessage)
	if !ok {
		b.log.Warn("Socket Mode sent a message leadbot could not read", "detail", clip(fmt.Sprint(data)))
		return
	}
	var env struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	_ = json.Unmarshal(bad.Message, &env)
	b.log.Warn("malformed Socket Mode message refused", "type", clip(env.Type), "envelope", clip(env.EnvelopeID),
		"err", bad.Cause, "bytes", len(bad.Message), "start", clip(string(bad.Message)))
	if env.EnvelopeID == "" {
		return
	}
	ackCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := sock.AckCtx(ackCtx, env.EnvelopeID, nil); err != nil {
		b.log.Error("ack of a malformed envelope failed", "envelope", clip(env.EnvelopeID), "err", err)
	}
}
