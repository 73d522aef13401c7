// Package sandboxtest holds the test-only helpers of package sandbox. They
// live here, not in sandbox, so that production binaries which embed the
// sandbox (leadbot's sandbox mode) do not link package testing.
//
//	sb := sandboxtest.Start(t)
//	alice := sb.AddUser(sandbox.User{Name: "alice", Email: "alice@example.com"})
package sandboxtest

import (
	"testing"

	"github.com/leadbot/leadbot/sandbox"
)

// Start starts a workspace on a free loopback port and closes it when
// the test ends. cfg is optional (at most one).
func Start(tb testing.TB, cfg ...sandbox.Config) *sandbox.Workspace {
	tb.Helper()
	var c sandbox.Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	w, err := sandbox.Start(c)
	if err != nil {
		tb.Fatalf("sandbox: %v", err)
	}
	tb.Cleanup(w.Close)
	return w
}
