package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// ErrOutcomeUnknown is returned when a post's answer never came (a timeout, a connection lost
// after the request went out) and the conversation could not be read to find out whether it
// was posted. The caller must not post it again without looking first (Delivery.Uncertain).
var ErrOutcomeUnknown = errors.New("Slack's answer to a post was lost: it may or may not have been posted")

// Delivery is one message to post exactly once. Slack has no idempotency key for
// chat.postMessage; the message's metadata is one: Meta names the message (EventPayload["key"]
// unique to it), goes out with it, and is what a retry looks for in the conversation
// (conversations.history with include_all_metadata) before it posts again.
type Delivery struct {
	Channel string              // a conversation id, or a user id for their DM with the bot
	Meta    slack.SlackMetadata // EventType and EventPayload["key"] identify the message
	// Since is the earliest the message can have been posted (when it was first due).
	Since time.Time
	// Uncertain says an earlier attempt may have posted it: look before posting.
	Uncertain bool
	// Fence, when set, is asked right before each post goes out (after the pacing, so queueing
	// behind Slack's limits does not use up the right to send): an error stops the delivery
	// with nothing posted, returned as a *FenceError.
	Fence func(context.Context) error
	// Timeout bounds each post's request once it is let go (0: none): a request still in
	// flight past it has an unknown outcome, resolved as any other.
	Timeout time.Duration
}

// FenceError is a delivery stopped by its fence before anything was posted.
type FenceError struct{ Err error }

func (e *FenceError) Error() string { return "not posted: " + e.Err.Error() }
func (e *FenceError) Unwrap() error { return e.Err }

func (d Delivery) key() string { return fmt.Sprint(d.Meta.EventPayload["key"]) }

// unknownOutcome hides a post's error from the sender's retry of transient failures: a post
// whose answer was lost may have gone out, so it is never simply repeated.
type unknownOutcome struct{ err error }

func (u unknownOutcome) Error() string { return u.err.Error() }

// Deliver posts d once: when d is uncertain, or when a post's answer is lost, it reads the bot's
// recent messages in the conversation and returns the one carrying d's metadata (found true)
// instead of posting again. It posts again only once it knows the message is not there.
func (s *Sender) Deliver(ctx context.Context, d Delivery, opts ...slack.MsgOption) (ch, ts string, found bool, err error) {
	if d.key() == "" || d.key() == "<nil>" {
		return "", "", false, errors.New("deliver: the metadata carries no key")
	}
	opts = append(opts, slack.MsgOptionMetadata(d.Meta))
	look := d.Uncertain
	for attempt := 1; ; attempt++ {
		if look {
			ch, ts, found, err = s.FindPosted(ctx, d)
			if err != nil {
				return "", "", false, fmt.Errorf("%w (looking for it: %v)", ErrOutcomeUnknown, err)
			}
			if found {
				return ch, ts, true, nil
			}
		}
		err = s.call(ctx, "chat.postMessage", d.Channel, func(ctx context.Context) error {
			if d.Fence != nil {
				if err := d.Fence(ctx); err != nil {
					return &FenceError{err}
				}
			}
			if d.Timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, d.Timeout)
				defer cancel()
			}
			var err error
			ch, ts, err = s.api.PostMessageContext(ctx, d.Channel, opts...)
			if err != nil && mayHavePosted(err) {
				return unknownOutcome{err}
			}
			return err
		})
		var u unknownOutcome
		var fe *FenceError
		if errors.As(err, &fe) {
			return "", "", false, fe
		}
		if !errors.As(err, &u) {
			return ch, ts, false, err
		}
		s.log.Warn("Slack's answer to a post was lost; looking for the message before posting again",
			"key", d.key(), "attempt", attempt, "err", u.err)
		if attempt >= s.cfg.Attempts || ctx.Err() != nil {
			return "", "", false, fmt.Errorf("%w: %v", ErrOutcomeUnknown, u.err)
		}
		look = true
	}
}

// mayHavePosted reports whether a failed chat.postMessage may have taken effect: anything but
// Slack's own refusal (an "ok": false answer, a 429, a 4xx).
func mayHavePosted(err error) bool {
	var se slack.SlackErrorResponse
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	switch {
	case errors.As(err, &se), errors.As(err, &rl):
		return false
	case errors.As(err, &sc):
		return sc.Code >= 500
	}
	return true
}

// FindPosted looks for the bot's message carrying d's metadata among the conversation's messages
// since d.Since, and returns its channel and ts.
func (s *Sender) FindPosted(ctx context.Context, d Delivery) (ch, ts string, found bool, err error) {
	ch = d.Channel
	if strings.HasPrefix(ch, "U") || strings.HasPrefix(ch, "W") { // history wants the DM's id
		if ch, err = s.DM(ctx, d.Channel); err != nil {
			return "", "", false, err
		}
	}
	// A minute's slack for the clocks of the database (Since) and Slack (ts).
	oldest := strconv.FormatFloat(float64(d.Since.Add(-time.Minute).UnixMicro())/1e6, 'f', 6, 64)
	params := &slack.GetConversationHistoryParameters{ChannelID: ch, Oldest: oldest, Limit: 200, IncludeAllMetadata: true}
	for {
		var h *slack.GetConversationHistoryResponse
		err := s.call(ctx, "conversations.history", "", func(ctx context.Context) error {
			var err error
			h, err = s.api.GetConversationHistoryContext(ctx, params)
			return err
		})
		if err != nil {
			return "", "", false, err
		}
		for _, m := range h.Messages {
			if m.BotID != "" && m.Metadata.EventType == d.Meta.EventType && fmt.Sprint(m.Metadata.EventPayload["key"]) == d.key() {
				return ch, m.Timestamp, true, nil
			}
		}
		if !h.HasMore || h.ResponseMetaData.NextCursor == "" {
			return ch, "", false, nil
		}
		params.Cursor = h.ResponseMetaData.NextCursor
	}
}
