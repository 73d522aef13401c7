package pgproc_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/lib/pq"

	"github.com/leadbot/leadbot/internal/pgproc"
)

func tempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	// When we are root the cluster runs as postgres, which must be able to reach the directory
	// (t.TempDir's parent is private).
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "pg")
}

// The embedded default: start from nothing, keep data across a stop and a restart.
func TestStartFromNothingAndRestartKeepsData(t *testing.T) {
	if _, err := pgproc.FindBinDir(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	dir := tempDir(t)
	c, err := pgproc.Start(ctx, pgproc.Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("postgres", c.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	c2, err := pgproc.Start(ctx, pgproc.Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c2.Remove() })
	db, _ = sql.Open("postgres", c2.DSN(""))
	defer db.Close()
	var v string
	if err := db.QueryRow(`SELECT v FROM kept`).Scan(&v); err != nil || v != "still here" {
		t.Fatalf("after restart: %q, %v", v, err)
	}
	// A second process starting on the same directory attaches to the running server and does not
	// stop it when it ends.
	c3, err := pgproc.Start(ctx, pgproc.Options{Dir: dir, Fast: true})
	if err != nil || c3.Port() != c2.Port() {
		t.Fatalf("attach: port %d vs %d, %v", c3.Port(), c2.Port(), err)
	}
	if err := c3.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Fatalf("the attaching process stopped the server: %v", err)
	}
}

func TestNoBinariesSaysWhatToDo(t *testing.T) {
	_, err := pgproc.Start(context.Background(), pgproc.Options{Dir: tempDir(t), BinDir: t.TempDir()})
	if !errors.Is(err, pgproc.ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
	for _, want := range []string{"apt-get install postgresql", "DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
}
