package handlers

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/store"
)

// DigestEventType is the metadata event type of every digest message leadbot posts.
const DigestEventType = "leadbot_digest"

// DigestMeta is the message metadata of digest d: what it is (a digest of a kind), whose (the
// rep's id, not their email: metadata is readable through the API) and which day, with the key
// that makes it findable again.
func DigestMeta(d store.Digest) slack.SlackMetadata {
	return slack.SlackMetadata{EventType: DigestEventType, EventPayload: map[string]any{
		"key": fmt.Sprintf("digest:%d", d.ID), "digest_id": d.ID, "kind": d.Kind, "rep_id": d.RepID,
		"day": d.Day.Format(time.DateOnly),
	}}
}

// postDigest posts digest d to channel exactly once and records it: each post is fenced by the
// job's lease (store.MarkDigestSending, asked right before the request goes out) and its request
// bounded by what the lease must have left; it is looked for in the conversation first when an
// earlier attempt's outcome is unknown, and recorded with retries until the record lands or the
// job ends.
func (s *Service) postDigest(ctx context.Context, d store.Digest, channel string, n int, opts ...slack.MsgOption) (int, error) {
	l, _ := store.LeaseFrom(ctx)
	fence := func(ctx context.Context) error {
		ok, err := s.st.MarkDigestSending(ctx, d.ID)
		if err == nil && !ok {
			return errAlreadySent
		}
		return err
	}
	ch, ts, found, err := s.sl.Deliver(ctx, bot.Delivery{Channel: channel, Meta: DigestMeta(d), Since: d.CreatedAt,
		Uncertain: d.SendingAt != nil, Fence: fence, Timeout: l.Margin}, opts...)
	var fe *bot.FenceError
	switch {
	case errors.Is(err, errAlreadySent):
		return 0, nil // sent meanwhile by another run
	case errors.As(err, &fe):
		return 0, fmt.Errorf("%w: digest %d not sent: %w", errNotMarked, d.ID, fe.Err)
	case err != nil:
		return 0, err
	}
	if found {
		s.log.Info("digest was already in Slack (an earlier attempt's answer was lost); not sent again", "digest", d.ID, "ts", ts)
	}
	if err := s.recordSent(ctx, d.ID, ch, ts); err != nil {
		return 0, fmt.Errorf("%w: digest %d was posted (%s %s) but not recorded; the next run finds it in Slack: %w", errNotMarked, d.ID, ch, ts, err)
	}
	return n, nil
}

// errAlreadySent stops a delivery whose digest another run has sent meanwhile.
var errAlreadySent = errors.New("digest already sent")

// recordSent records a posted digest, retrying with backoff while the database is unavailable,
// for as long as ctx (the job) lasts.
func (s *Service) recordSent(ctx context.Context, id int64, ch, ts string) error {
	backoff := 50 * time.Millisecond
	for {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err := s.st.MarkDigestSent(actx, id, ch, ts)
		cancel()
		if err == nil || !dbUnavailable(err) {
			return err
		}
		s.log.Warn("digest posted; recording it is retried until the database answers", "digest", id, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (last: %w)", context.Cause(ctx), err)
		case <-t.C:
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// dbUnavailable reports whether a store error means the database did not answer. A connection
// closed mid-statement comes back from lib/pq as a bare io.EOF, which store.translate does not
// count as unavailable (yet).
func dbUnavailable(err error) bool {
	return leadbot.ErrorCode(err) == leadbot.EUNAVAILABLE || errors.Is(err, io.EOF) || errors.Is(err, driver.ErrBadConn)
}
