// Command faults is leadbot's delivery fault suite (issue 18): each fault below strikes a day's
// digests to -reps reps, against the sandbox Slack with Slack's rate limits and a PostgreSQL of
// its own (started from the installed binaries, stopped and restarted for real where the fault
// says so), then the job runs again as the next tick would, and it prints, per fault, the reps
// whose digest is in Slack (sent), who have none (lost), messages beyond the first
// (duplicated), digests recorded with the ts of the message in Slack (acked) and digests that
// went out only on a later run (late), as a Markdown table:
//
//	go run ./bench/faults            # 300 reps, every fault: a few minutes
//	go run ./bench/faults -reps 40   # what CI runs (TestFaultSuite)
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	_ "github.com/lib/pq" // PostgreSQL driver

	"github.com/leadbot/leadbot/internal/pgproc"
	"github.com/leadbot/leadbot/migrations"
)

func main() {
	reps := flag.Int("reps", 300, "reps in the workspace")
	only := flag.String("fault", "", "run only the faults whose name contains this")
	verbose := flag.Bool("v", false, "log warnings")
	flag.Parse()
	level := slog.LevelError + 1
	if *verbose {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	fmt.Println(header)
	results, err := run(ctx, *reps, *only, log, func(r result) { fmt.Println(r) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	for _, r := range results {
		if r.Lost > 0 || r.Dup > 0 {
			os.Exit(2)
		}
	}
}

// run runs the faults whose name contains only, each on a fresh database of a PostgreSQL of its
// own, and reports each result as it comes.
func run(ctx context.Context, reps int, only string, log *slog.Logger, report func(result)) ([]result, error) {
	dir, err := os.MkdirTemp("", "leadbot-faults-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	opts := pgproc.Options{Dir: dir, Fast: true, Database: "postgres"}
	cluster, err := pgproc.Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer func() { cluster.Stop() }()
	var results []result
	for i, fl := range faults {
		if only != "" && !strings.Contains(fl.name, only) {
			continue
		}
		name := fmt.Sprintf("fault_%d", i)
		if err := createDB(ctx, cluster.DSN("postgres"), name); err != nil {
			return results, err
		}
		restart := func() (string, error) {
			if err := cluster.Stop(); err != nil {
				return "", err
			}
			c, err := pgproc.Start(context.WithoutCancel(ctx), opts)
			if err != nil {
				return "", err
			}
			cluster = c
			return c.DSN(name), nil
		}
		res, err := runFault(ctx, fl, cluster.DSN(name), reps, restart, log)
		if err != nil {
			return results, fmt.Errorf("%s: %w", fl.name, err)
		}
		results = append(results, res)
		report(res)
	}
	return results, nil
}

// createDB creates a migrated database name on the server at admin.
func createDB(ctx context.Context, admin, name string) error {
	db, err := openDB(admin)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return err
	}
	mdb, err := openDB(strings.Replace(admin, "dbname=postgres", "dbname="+name, 1))
	if err != nil {
		return err
	}
	defer mdb.Close()
	_, err = migrations.Up(ctx, mdb, slog.New(slog.DiscardHandler))
	return err
}
