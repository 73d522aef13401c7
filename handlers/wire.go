package handlers

import (
	"log/slog"
	"time"

	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/store"
)

// Wiring is what Wire needs to put the rep loop together. cmd/leadbot fills it from the
// configuration; tests fill it with a sandbox's tokens, a fake clock and the limits they test.
type Wiring struct {
	Bot      bot.Config       // Slack tokens, API URL, connections, metrics (Later is set by Wire)
	Sender   bot.SenderConfig // the sender's pacing and metrics
	Handlers Config           // the surfaces' configuration (Redraws is set by Wire)
	Log      *slog.Logger     // for the handlers
	Now      func() time.Time // the clock (nil: time.Now)
}

// Wired is the rep loop put together: give Bot, Sender.API() and Router to bot.New to run it.
type Wired struct {
	Bot     bot.Config
	Sender  *bot.Sender
	Service *Service
	Router  *bot.Router
}

// Wire builds the Slack client and sender, the Coalescer shared by the bot (which runs the
// redraws on its queue) and the handlers (which ask for them), the handlers' service, and the
// router with its routes. It is the one place both production (cmd/leadbot) and the tests that
// need the whole loop build it.
func Wire(st *store.Store, w Wiring) Wired {
	later := bot.NewCoalescer()
	w.Bot.Later, w.Handlers.Redraws = later, later
	sender := bot.NewSender(bot.NewClient(w.Bot), w.Sender)
	svc := New(st, sender, w.Handlers, w.Log, w.Now)
	router := bot.NewRouter()
	svc.Register(router)
	return Wired{Bot: w.Bot, Sender: sender, Service: svc, Router: router}
}
