package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/leadbot/leadbot/config"
	"github.com/leadbot/leadbot/internal/pgproc"
	"github.com/leadbot/leadbot/migrations"
	"github.com/leadbot/leadbot/store"
)

// app carries what every subcommand needs and closes what they opened, in reverse order.
type app struct {
	cfg            config.Config
	log            *slog.Logger
	stdout, stderr io.Writer
	closers        []func()
}

func newApp(cfg config.Config, stdout, stderr io.Writer) *app {
	return &app{cfg: cfg, log: newLogger(cfg, stderr), stdout: stdout, stderr: stderr}
}

// onClose registers fn to run when the command ends; the last registered runs first.
func (a *app) onClose(fn func()) { a.closers = append(a.closers, fn) }

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && isTerminal(f) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// openStore connects to DATABASE_URL or, when it is unset, to the embedded PostgreSQL (started
// if needed and stopped when the command ends). migrate applies pending migrations; otherwise the
// schema must already be current.
func (a *app) openStore(ctx context.Context, migrate bool) (*store.Store, error) {
	dsn := a.cfg.DatabaseURL
	if dsn == "" {
		dir := filepath.Join(a.cfg.DataDir, "pg")
		a.log.Info("starting the embedded PostgreSQL (set DATABASE_URL to use your own)", "dir", dir)
		c, err := pgproc.Start(ctx, pgproc.Options{Dir: dir})
		if err != nil {
			return nil, err
		}
		a.onClose(func() {
			if err := c.Stop(); err != nil {
				a.log.Error("stop the embedded PostgreSQL", "err", err)
			}
		})
		dsn = c.DSN("")
		a.log.Debug("embedded PostgreSQL is up", "port", c.Port())
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	a.onClose(func() { st.Close() })
	if migrate {
		n, err := migrations.Up(ctx, st.DB().DB, a.log)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			a.log.Info("database migrated", "applied", n, "version", migrations.Latest())
		}
	} else if err := migrations.Check(ctx, st.DB().DB); err != nil {
		return nil, err
	}
	return st, nil
}

// newFlags returns a flag set for a subcommand whose -h prints synopsis, description and flags.
func (a *app) newFlags(name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: leadbot %s\n\n%s\n", synopsis, strings.TrimSpace(description))
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintf(fs.Output(), "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses args; a bad flag has already been reported by the flag set, so it becomes errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}
