// Command eval runs `leadbot eval` without the rest of the binary, for the benchmark script.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/leadbot/leadbot/scoring/evalcli"
)

func main() {
	if err := evalcli.Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(2)
	}
}
