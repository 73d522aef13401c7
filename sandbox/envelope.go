package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrNoConnection is returned when an envelope cannot be delivered because
// no Socket Mode connection is open (Slack would show the user an error).
var ErrNoConnection = errors.New("sandbox: no socket mode connection")

// envelope is one payload to deliver over Socket Mode.
type envelope struct {
	typ     string // slash_commands, interactive, events_api
	subtype string
	payload obj
	accepts bool
	user    string // the acting user
	channel string // where a slash command was run
	viewID  string // the submitted view
	respID  string // the slash command's response_url id
}

// pending is one delivery attempt awaiting its ack.
type pending struct {
	id      string
	env     *envelope
	attempt int
	sent    time.Time
	timer   *time.Timer
	expired bool
	ackIdx  int            // index in Workspace.acks once recorded, else -1
	result  chan AckResult // first outcome, for the driver
	group   *deliveryGroup // events_api retries share one
}

// deliveryGroup tracks the attempts of one event so any ack stops retries.
type deliveryGroup struct{ acked bool }

// deliver sends env and waits for its first outcome (ack or deadline).
// events_api envelopes are re-delivered in the background on the retry
// schedule; others never are.
func (w *Workspace) deliver(ctx context.Context, env *envelope) (AckResult, error) {
	var g *deliveryGroup
	if env.typ == "events_api" {
		g = &deliveryGroup{}
	}
	p, err := w.sendAttempt(env, 0, g)
	if err != nil {
		return AckResult{}, err
	}
	select {
	case r := <-p.result:
		return r, nil
	case <-ctx.Done():
		return AckResult{}, fmt.Errorf("sandbox: waiting for ack: %w", ctx.Err())
	case <-w.closed:
		return AckResult{}, errors.New("sandbox: workspace closed")
	}
}

// sendAttempt writes one delivery of env to a connection and arms its
// deadline. With no connection, events_api counts it as a failed attempt
// (Slack retries events missed while disconnected); others fail.
func (w *Workspace) sendAttempt(env *envelope, attempt int, g *deliveryGroup) (*pending, error) {
	p := &pending{id: newUUID(), env: env, attempt: attempt, ackIdx: -1, result: make(chan AckResult, 1), group: g}
	frame := obj{"envelope_id": p.id, "payload": env.payload, "type": env.typ, "accepts_response_payload": env.accepts}
	if env.typ == "events_api" {
		frame["retry_attempt"] = attempt
		frame["retry_reason"] = ""
		if attempt > 0 {
			frame["retry_reason"] = "timeout"
		}
	}
	data, err := json.Marshal(frame)
	if err != nil {
		return nil, err
	}
	c := w.sock.pickConn(w.cfg.RandomSpread)
	w.sock.mu.Lock()
	w.sock.pending[p.id] = p
	p.sent = time.Now()
	p.timer = time.AfterFunc(w.cfg.AckDeadline, func() { w.ackDeadline(p) })
	w.sock.mu.Unlock()
	if c == nil || !c.send(outFrame{data: data, p: p}) {
		if env.typ != "events_api" {
			w.sock.mu.Lock()
			p.timer.Stop()
			delete(w.sock.pending, p.id)
			w.sock.mu.Unlock()
			return nil, ErrNoConnection
		}
		// The deadline will fire and schedule the retry.
	}
	w.mu.Lock()
	w.emit(Event{Kind: EvEnvelopeSent, EnvelopeID: p.id, User: env.user, Method: env.typ, Detail: env.subtype})
	w.mu.Unlock()
	return p, nil
}

// ackDeadline fires when an envelope was not acked in time.
func (w *Workspace) ackDeadline(p *pending) {
	w.mu.Lock()
	w.sock.mu.Lock()
	_, ok := w.sock.pending[p.id]
	if ok {
		p.expired = true
	}
	sent := p.sent
	w.sock.mu.Unlock()
	if !ok {
		w.mu.Unlock()
		return
	}
	r := AckResult{EnvelopeID: p.id, Type: p.env.typ, Subtype: p.env.subtype, Attempt: p.attempt, Sent: sent}
	p.ackIdx = len(w.acks)
	w.acks = append(w.acks, r)
	w.emit(Event{Kind: EvEnvelopeFailed, EnvelopeID: p.id, User: p.env.user, Method: p.env.typ, Detail: "timeout"})
	retry := p.group != nil && !p.group.acked && p.attempt < len(w.cfg.EventRetryDelays)
	w.mu.Unlock()
	p.result <- r
	w.log.Debug("sandbox: ack deadline missed", "envelope", p.id, "type", p.env.typ)
	if !retry {
		return
	}
	w.afterFunc(w.cfg.EventRetryDelays[p.attempt], func() {
		w.mu.Lock()
		acked := p.group.acked
		w.mu.Unlock()
		if !acked {
			_, _ = w.sendAttempt(p.env, p.attempt+1, p.group)
		}
	})
}

// afterFunc runs f after d unless the workspace closes first.
func (w *Workspace) afterFunc(d time.Duration, f func()) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			f()
		case <-w.closed:
		}
	}()
}

// ackReceived matches an ack to its envelope, records the latency and acts
// on the response payload.
func (w *Workspace) ackReceived(id string, payload json.RawMessage, at time.Time) {
	w.mu.Lock()
	w.sock.mu.Lock()
	p, ok := w.sock.pending[id]
	var expired bool
	var sent time.Time
	if ok {
		delete(w.sock.pending, id)
		p.timer.Stop()
		expired, sent = p.expired, p.sent
	}
	w.sock.mu.Unlock()
	if !ok {
		w.mu.Unlock()
		w.log.Warn("sandbox: ack for unknown envelope", "envelope", id)
		return
	}
	latency := at.Sub(sent)
	r := AckResult{EnvelopeID: id, Type: p.env.typ, Subtype: p.env.subtype, Attempt: p.attempt, Sent: sent,
		Latency: latency, Acked: true, Late: expired || latency > w.cfg.AckDeadline}
	if len(payload) > 0 && string(payload) != "null" {
		r.Payload = payload
	}
	// Only a timely ack stops retries: Slack has already counted a late
	// one as a failed delivery.
	if p.group != nil && !r.Late {
		p.group.acked = true
	}
	if !r.Late {
		w.applyAck(p.env, &r)
	}
	if p.ackIdx >= 0 {
		w.acks[p.ackIdx] = r
	} else {
		w.acks = append(w.acks, r)
	}
	w.emit(Event{Kind: EvEnvelopeAcked, EnvelopeID: id, User: p.env.user, Method: p.env.typ, Detail: p.env.subtype})
	w.mu.Unlock()
	if !expired {
		p.result <- r
	}
}

// applyAck acts on an ack's payload as Slack does: a slash command's
// payload is its response message; a view submission's may carry a
// response_action. Caller holds mu.
func (w *Workspace) applyAck(env *envelope, r *AckResult) {
	switch {
	case env.typ == "slash_commands" && r.Payload != nil:
		var m respMessage
		if err := json.Unmarshal(r.Payload, &m); err != nil {
			r.ResponseError = "invalid_payload"
			return
		}
		if m.Text == "" && !nonEmptyArray(m.Blocks) && !nonEmptyArray(m.Attachments) {
			return // an empty ack (or {}) means no response message
		}
		if e := w.respond(w.responseURLs[env.respID], m, "slash_ack"); e != "" {
			r.ResponseError = e
		}
	case env.subtype == "view_submission":
		var a struct {
			ResponseAction string            `json:"response_action"`
			Errors         map[string]string `json:"errors"`
			View           json.RawMessage   `json:"view"`
		}
		if r.Payload != nil {
			if err := json.Unmarshal(r.Payload, &a); err != nil {
				r.ResponseError = "invalid_payload"
				return
			}
		}
		r.ResponseAction, r.Errors = a.ResponseAction, a.Errors
		v := w.views[env.viewID]
		if v == nil || !v.Open {
			return
		}
		switch a.ResponseAction {
		case "":
			w.closeView(v)
		case "errors":
			v.Errors = a.Errors
			w.emit(Event{Kind: EvViewUpdated, User: v.User, ViewID: v.ID, Detail: "errors"})
		case "update":
			if e := checkView(a.View, "modal"); e != nil {
				r.ResponseError = e.code
				return
			}
			w.replaceView(v, a.View, "response_action")
		case "push":
			if e := checkView(a.View, "modal"); e != nil {
				r.ResponseError = e.code
				return
			}
			if _, e := w.pushModal(v.User, a.View); e != nil {
				r.ResponseError = e.code
			}
		case "clear":
			w.closeModals(v.User, -1)
		default:
			r.ResponseError = "invalid_response_action"
		}
	}
}

// closeView closes a modal and any views pushed above it. Caller holds mu.
func (w *Workspace) closeView(v *View) {
	stack := w.modals[v.User]
	for i, id := range stack {
		if id == v.ID {
			w.closeModals(v.User, len(stack)-i)
			return
		}
	}
}
