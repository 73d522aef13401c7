package main

import (
	"context"
	"io"

	"github.com/leadbot/leadbot/scoring/evalcli"
)

// runEval implements `leadbot eval --data FILE.csv --target COL ...`: an offline benchmark of the
// scoring engine on any CSV (see `leadbot eval -h`). The flag parsing and report live in
// scoring/evalcli so benchmarks can run them without the rest of the binary.
func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return evalcli.Run(ctx, args, stdout, stderr)
}
