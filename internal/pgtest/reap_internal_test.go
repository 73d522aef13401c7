package pgtest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/leadbot/leadbot/internal/pgproc"
)

// TestReapOrphans: the cluster of a killed test process is stopped and deleted by the next run;
// one whose owner is alive is left alone.
func TestReapOrphans(t *testing.T) {
	ctx := context.Background()
	start := func(owner int) (string, *pgproc.Cluster) {
		t.Helper()
		dir, err := os.MkdirTemp("", dirPrefix)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		c, err := pgproc.Start(ctx, pgproc.Options{Dir: dir, Fast: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Stop() })
		if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(owner)), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir, c
	}
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	orphan, oc := start(gone.Process.Pid) // its owner has exited
	kept, _ := start(os.Getpid())

	reapOrphans(ctx)

	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatalf("the orphaned cluster's directory is still there (%v)", err)
	}
	if conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(oc.Port()), time.Second); err == nil {
		conn.Close()
		t.Fatal("the orphaned cluster's server still accepts connections")
	}
	if _, err := os.Stat(filepath.Join(kept, "data", "PG_VERSION")); err != nil {
		t.Fatalf("the cluster of a live process was touched: %v", err)
	}
}
