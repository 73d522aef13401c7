package bot

import (
	"context"
	"sync"
)

// Coalescer is leadbot's one mechanism for folding repeated asks for the same work, such as
// redrawing a digest message after each click on it: per key, at most one run in flight and at
// most one waiting. A rep who clicks down the five leads of a digest in a few seconds asks for
// five redraws; run side by side they would cost five calls to Slack and could land out of order,
// leaving the message without the last verdict. Folded, the message is redrawn once for the
// clicks recorded before the run started and once more for those recorded during it, and ends
// showing all of them.
//
// Attached to a bot (Config.Later), the runs go on the bot's work queue, behind the envelopes
// already waiting there, under the same rules as a handler (bounded, recovered, waited for at
// shutdown): the clicks of a burst are then recorded before the one redraw that shows them. A
// Coalescer no bot was given runs each ask at once, folding only asks made while a run is under
// way.
type Coalescer struct {
	mu   sync.Mutex
	keys map[string]*keyRun
	run  func(ctx context.Context, fn func(context.Context)) // the bot's queue; nil: at once
}

// keyRun is the state of one key: a run waiting for its turn, a run under way, and whether the
// run under way must go once more because an ask came while it ran.
type keyRun struct{ queued, running, again bool }

// NewCoalescer returns a Coalescer that runs asks at once until a bot is given it.
func NewCoalescer() *Coalescer { return &Coalescer{keys: map[string]*keyRun{}} }

// attach makes run the way the Coalescer starts its runs (Bot.New does this).
func (c *Coalescer) attach(run func(ctx context.Context, fn func(context.Context))) {
	c.mu.Lock()
	c.run = run
	c.mu.Unlock()
}

// Do asks for fn to run for key. While a run for key waits for its turn, asking again adds
// nothing, for that run has yet to read what this ask wants shown; while one is under way, it
// runs once more when it ends. ctx is the asking handler's (its request is kept for the logs).
func (c *Coalescer) Do(ctx context.Context, key string, fn func(context.Context)) {
	c.mu.Lock()
	k := c.keys[key]
	if k == nil {
		k = &keyRun{}
		c.keys[key] = k
	}
	if k.queued {
		c.mu.Unlock()
		return
	}
	k.queued = true
	run := c.run
	c.mu.Unlock()
	if run == nil {
		c.start(ctx, key, k, fn)
		return
	}
	run(ctx, func(ctx context.Context) { c.start(ctx, key, k, fn) })
}

// start runs fn for key now, then again for as long as asks came while it ran, unless a run for
// key is under way already: that one then goes once more.
func (c *Coalescer) start(ctx context.Context, key string, k *keyRun, fn func(context.Context)) {
	c.mu.Lock()
	k.queued = false // from now on an ask queues another run: this one may read too early
	if k.running {
		k.again = true
		c.mu.Unlock()
		return
	}
	k.running = true
	c.mu.Unlock()
	for {
		fn(ctx)
		c.mu.Lock()
		if !k.again {
			k.running = false
			if !k.queued {
				delete(c.keys, key)
			}
			c.mu.Unlock()
			return
		}
		k.again = false
		c.mu.Unlock()
	}
}
