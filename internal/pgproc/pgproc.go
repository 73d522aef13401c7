// Package pgproc runs a private PostgreSQL cluster from the binaries installed on the machine.
//
// It serves two callers with one code path: the embedded default of `leadbot serve` (a cluster kept
// under the data directory, reused across runs) and the tests (a throwaway cluster per test
// process, tuned for speed). PostgreSQL refuses to run as root, so when we are root every
// PostgreSQL program runs as the `postgres` user and the cluster's files belong to it.
package pgproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// ErrNoBinaries is returned when initdb / pg_ctl cannot be found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under " +
	"/usr/lib/postgresql/*/bin. Install them (Debian/Ubuntu: `apt-get install postgresql`; macOS: " +
	"`brew install postgresql`) so leadbot can run its embedded database, or set DATABASE_URL to a " +
	"PostgreSQL server you already have (postgres://user:pass@host:5432/db?sslmode=disable)")

// Options describe a cluster.
type Options struct {
	// Dir holds the cluster: data/ (PGDATA), run/ (socket, when the path is short enough), and
	// postgres.log.
	Dir string
	// User and Database are created at initdb time (User is the superuser name).
	User     string
	Database string
	// Fast turns off durability (fsync, full_page_writes, synchronous_commit): for throwaway test
	// clusters only.
	Fast bool
	// BinDir overrides where initdb and pg_ctl are looked up.
	BinDir string
}

// Cluster is a running PostgreSQL server.
type Cluster struct {
	opts    Options
	bin     string
	port    int
	sockDir string
	cred    *syscall.Credential
	started bool // whether we started it (and so must stop it)
}

// FindBinDir locates a directory holding initdb and pg_ctl.
func FindBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	more, _ := filepath.Glob("/usr/local/pgsql/bin")
	dirs = append(dirs, more...)
	// Newest major version first: "15" before "9.6" numerically.
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Start initialises the cluster if Dir has none, then starts it, or attaches to it when a server
// from an earlier run is still up. It returns once the server accepts connections.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.User == "" {
		opts.User = "leadbot"
	}
	if opts.Database == "" {
		opts.Database = "leadbot"
	}
	bin := opts.BinDir
	if bin != "" && (!isExec(filepath.Join(bin, "initdb")) || !isExec(filepath.Join(bin, "pg_ctl"))) {
		return nil, fmt.Errorf("%s has no initdb and pg_ctl: %w", bin, ErrNoBinaries)
	}
	if bin == "" {
		var err error
		if bin, err = FindBinDir(); err != nil {
			return nil, err
		}
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	opts.Dir = dir
	c := &Cluster{opts: opts, bin: bin}
	if os.Geteuid() == 0 {
		if c.cred, err = postgresCredential(); err != nil {
			return nil, err
		}
	}
	if err := c.prepareDirs(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	}
	if port, ok := c.runningPort(ctx); ok {
		// A server from an earlier run that was not stopped (killed, say): use it as it is.
		c.port = port
		return c, nil
	}
	if err := c.start(ctx); err != nil {
		return nil, err
	}
	c.started = true
	if err := c.createDatabase(ctx); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func postgresCredential() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, so PostgreSQL must run as the `postgres` user, but there is none (%v): "+
			"install PostgreSQL from your distribution's packages (it creates that user), or run leadbot as an ordinary user", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (c *Cluster) dataDir() string { return filepath.Join(c.opts.Dir, "data") }
func (c *Cluster) logFile() string { return filepath.Join(c.opts.Dir, "postgres.log") }

// prepareDirs creates Dir and hands it to the postgres user when we are root. Every parent must
// be searchable by that user, which is true of the usual places (/tmp, a checkout under /work).
func (c *Cluster) prepareDirs() error {
	// Parents we create must be searchable by the postgres user; the cluster directory itself
	// stays private.
	if err := os.MkdirAll(filepath.Dir(c.opts.Dir), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(c.opts.Dir), err)
	}
	if err := os.MkdirAll(c.opts.Dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", c.opts.Dir, err)
	}
	// Unix sockets have a 107-byte path limit; a deep data directory falls back to TCP only.
	run := filepath.Join(c.opts.Dir, "run")
	if len(run)+len("/.s.PGSQL.65535") < 100 {
		c.sockDir = run
		if err := os.MkdirAll(run, 0o700); err != nil {
			return err
		}
	}
	if c.cred != nil {
		if err := searchable(c.opts.Dir); err != nil {
			return err
		}
		return filepath.Walk(c.opts.Dir, func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, int(c.cred.Uid), int(c.cred.Gid))
		})
	}
	return nil
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.opts.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

func run(cmd *exec.Cmd) error {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", filepath.Base(cmd.Path), err, strings.TrimSpace(out.String()))
	}
	return nil
}

func (c *Cluster) initdb(ctx context.Context) error {
	args := []string{"-D", c.dataDir(), "-U", c.opts.User, "--auth=trust", "-E", "UTF8", "--no-locale"}
	if c.opts.Fast {
		args = append(args, "--no-sync")
	}
	if err := run(c.command(ctx, "initdb", args...)); err != nil {
		os.RemoveAll(c.dataDir())
		return fmt.Errorf("initialise PostgreSQL cluster in %s: %w", c.dataDir(), err)
	}
	return nil
}

// runningPort reports the port of a server already running on this data directory.
func (c *Cluster) runningPort(ctx context.Context) (int, bool) {
	if err := c.command(ctx, "pg_ctl", "status", "-D", c.dataDir()).Run(); err != nil {
		return 0, false
	}
	b, err := os.ReadFile(filepath.Join(c.dataDir(), "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	return port, err == nil
}

func (c *Cluster) start(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	c.port = port
	o := []string{"-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + c.sockDir, "-c", "max_connections=200"}
	if c.opts.Fast {
		o = append(o, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
			"-c", "shared_buffers=64MB", "-c", "max_wal_size=1GB")
	}
	err = run(c.command(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", c.dataDir(), "-l", c.logFile(),
		"-o", strings.Join(o, " ")))
	if err != nil {
		tail, _ := os.ReadFile(c.logFile())
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return fmt.Errorf("start PostgreSQL (log %s): %w\n%s", c.logFile(), err, tail)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// createDatabase makes opts.Database exist (initdb makes only "postgres").
func (c *Cluster) createDatabase(ctx context.Context) error {
	if c.opts.Database == "postgres" {
		return nil
	}
	db, err := openDB(c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, c.opts.Database).Scan(&exists); err != nil {
		return fmt.Errorf("connect to the embedded PostgreSQL: %w", err)
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, `CREATE DATABASE `+quoteIdent(c.opts.Database))
	return err
}

// DSN returns a connection string for database name ("" means the cluster's own database).
func (c *Cluster) DSN(name string) string {
	if name == "" {
		name = c.opts.Database
	}
	return fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=%s sslmode=disable", c.port, c.opts.User, name)
}

// Port is the TCP port the server listens on (loopback only).
func (c *Cluster) Port() int { return c.port }

// Stop shuts the server down (fast mode: open transactions are rolled back) if we started it.
// A server that was already running when Start attached to it is left running too, so that two
// leadbot processes sharing a data directory do not pull it from under each other.
func (c *Cluster) Stop() error {
	if c == nil || !c.started {
		return nil
	}
	c.started = false
	return run(c.command(context.Background(), "pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", c.dataDir()))
}

// Remove stops the server and deletes the cluster's directory.
func (c *Cluster) Remove() error {
	err := c.Stop()
	if rerr := os.RemoveAll(c.opts.Dir); err == nil {
		err = rerr
	}
	return err
}

// Discard stops the server left running on the cluster in dir, if any, without waiting for its
// clients (immediate mode: the cluster is being thrown away), then deletes dir. It is for the
// throwaway test clusters of a process that was killed before it could remove its own.
func Discard(ctx context.Context, dir string) error {
	bin, err := FindBinDir()
	if err != nil {
		return err
	}
	c := &Cluster{opts: Options{Dir: dir}, bin: bin}
	if os.Geteuid() == 0 {
		if c.cred, err = postgresCredential(); err != nil {
			return err
		}
	}
	if _, running := c.runningPort(ctx); running {
		if err := run(c.command(ctx, "pg_ctl", "stop", "-w", "-t", "60", "-m", "immediate", "-D", c.dataDir())); err != nil {
			return err
		}
	}
	return os.RemoveAll(dir)
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// searchable checks that every ancestor of dir lets others through (o+x): PostgreSQL runs as the
// postgres user and must reach its data directory.
func searchable(dir string) error {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("PostgreSQL runs as the postgres user (we are root), which cannot enter %s (mode %v): "+
				"choose a data directory elsewhere (LEADBOT_DATA_DIR), or `chmod o+x %s`", d, st.Mode().Perm(), d)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}
