// Package netfault is a TCP proxy that faults on demand: put it between leadbot and PostgreSQL
// (or anything else) and Cut drops every connection and refuses new ones, as a server restart
// or a lost network does; Restore lets connections through again, to the same or (SetTarget) a
// restarted server on another port. Tests and the fault suite use it; production never does.
package netfault

import (
	"errors"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"sync"
)

// Proxy forwards connections from its own loopback address to a target.
type Proxy struct {
	ln net.Listener

	mu      sync.Mutex
	target  string
	down    bool
	conns   map[net.Conn]struct{}
	refused int
	changed chan struct{} // closed and replaced whenever refused grows
	wg      sync.WaitGroup
}

// Start listens on a free loopback port and forwards to target (host:port).
func Start(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}, changed: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's port.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down, target := p.down, p.target
		if down {
			p.refused++
			close(p.changed)
			p.changed = make(chan struct{})
		}
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		p.wg.Add(1)
		go p.serve(c, target)
	}
}

func (p *Proxy) serve(c net.Conn, target string) {
	defer p.wg.Done()
	s, err := net.Dial("tcp", target)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, s) {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(s, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, s); done <- struct{}{} }()
	<-done
	c.Close()
	s.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, s)
	p.mu.Unlock()
}

// track registers a connection pair, or closes it when the proxy went down meanwhile.
func (p *Proxy) track(c, s net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		c.Close()
		s.Close()
		return false
	}
	p.conns[c], p.conns[s] = struct{}{}, struct{}{}
	return true
}

// Cut closes every connection through the proxy and refuses new ones until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
}

// Restore lets connections through again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// SetTarget points new connections at another address (a server restarted on a new port).
func (p *Proxy) SetTarget(target string) {
	p.mu.Lock()
	p.target = target
	p.mu.Unlock()
}

// Refused is how many connections were refused while the proxy was cut, and a channel closed
// when that number next grows (to wait for a client to have tried).
func (p *Proxy) Refused() (int, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused, p.changed
}

// Close stops the proxy and closes its connections.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.Cut()
	p.wg.Wait()
	return err
}

var portRE = regexp.MustCompile(`\bport=\d+`)
var hostRE = regexp.MustCompile(`\bhost=\S+`)

// DSN rewrites a PostgreSQL DSN (key=value or URL form) to connect through the proxy, and
// returns the target it named (host:port).
func DSN(dsn string, proxyPort int) (proxied, target string, err error) {
	if u, perr := url.Parse(dsn); perr == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		target = u.Host
		if u.Port() == "" {
			target = net.JoinHostPort(u.Hostname(), "5432")
		}
		u.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(proxyPort))
		return u.String(), target, nil
	}
	host, port := "127.0.0.1", "5432"
	if m := hostRE.FindString(dsn); m != "" {
		host = m[len("host="):]
	}
	if m := portRE.FindString(dsn); m != "" {
		port = m[len("port="):]
	}
	if host[0] == '/' {
		return "", "", errors.New("netfault: a Unix-socket DSN cannot be proxied; give a TCP host")
	}
	out := hostRE.ReplaceAllString(dsn, "host=127.0.0.1")
	if portRE.MatchString(out) {
		out = portRE.ReplaceAllString(out, "port="+strconv.Itoa(proxyPort))
	} else {
		out += " port=" + strconv.Itoa(proxyPort)
	}
	return out, net.JoinHostPort(host, port), nil
}
