package sandbox

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sync"
	"time"
)

// The sandbox page: a small Slack-like client for the workspace, served at
// / by Handler. It is plain HTML, CSS and JavaScript embedded in the binary;
// it reads the workspace through the JSON endpoints of page_api.go and
// follows it through a server-sent event stream fed by Subscribe.

//go:embed page
var pageFiles embed.FS

// pageAssets is the page directory as a file system.
var pageAssets = func() fs.FS {
	sub, err := fs.Sub(pageFiles, "page")
	if err != nil {
		panic(err)
	}
	return sub
}()

// pageSecurityHeaders keep the page self-contained: no script, style or
// connection goes anywhere but this server, and nothing frames it.
func pageSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
}

// servePage serves index.html at / and the assets under /sandbox/page/.
func (w *Workspace) servePage(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rw.Header().Set("Allow", "GET, HEAD")
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path != "/" && r.URL.Path != "/index.html" {
		http.NotFound(rw, r)
		return
	}
	w.learnBase(r)
	pageSecurityHeaders(rw.Header())
	http.ServeFileFS(rw, r, pageAssets, "index.html")
}

func (w *Workspace) serveAsset(rw http.ResponseWriter, r *http.Request) {
	pageSecurityHeaders(rw.Header())
	http.StripPrefix("/sandbox/page/", http.FileServerFS(pageAssets)).ServeHTTP(rw, r)
}

// pageShutdown ends the page's event streams when the HTTP server that
// serves them shuts down, so that an open browser tab does not hold up
// http.Server.Shutdown (which waits for active connections).
type pageShutdown struct {
	mu      sync.Mutex
	servers map[*http.Server]chan struct{}
}

// done returns a channel closed when the request's server shuts down (nil
// when the server is unknown).
func (p *pageShutdown) done(r *http.Request) <-chan struct{} {
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	if srv == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.servers == nil {
		p.servers = map[*http.Server]chan struct{}{}
	}
	ch, ok := p.servers[srv]
	if !ok {
		ch = make(chan struct{})
		p.servers[srv] = ch
		srv.RegisterOnShutdown(func() { close(ch) })
	}
	return ch
}

var pageShutdowns pageShutdown

// sseHeartbeat keeps idle event streams (and proxies) alive.
const sseHeartbeat = 15 * time.Second

// serveEvents streams the changes a user's page cares about as
// server-sent events; the page re-fetches its state when one arrives.
func (w *Workspace) serveEvents(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	fl, ok := rw.(http.Flusher)
	if !ok {
		http.Error(rw, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	user := r.URL.Query().Get("user")
	h := rw.Header()
	pageSecurityHeaders(h)
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	rw.WriteHeader(http.StatusOK)

	seq := w.Seq()
	fmt.Fprintf(rw, "retry: 1000\nevent: hello\ndata: {\"seq\":%d}\n\n", seq)
	fl.Flush()

	shutdown := pageShutdowns.done(r)
	events := w.Subscribe(r.Context(), seq)
	tick := time.NewTicker(sseHeartbeat)
	defer tick.Stop()
	for {
		select {
		case e, ok := <-events:
			if !ok {
				return
			}
			if !w.pageRelevant(e, user) {
				continue
			}
			b, _ := json.Marshal(pageEvent{Seq: e.Seq, Kind: string(e.Kind), Channel: e.Channel, TS: e.TS, ViewID: e.ViewID, User: e.User})
			fmt.Fprintf(rw, "id: %d\nevent: change\ndata: %s\n\n", e.Seq, b)
			fl.Flush()
		case <-tick.C:
			fmt.Fprint(rw, ": keep-alive\n\n")
			fl.Flush()
		case <-shutdown:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// pageEvent is one change as the page's event stream sends it.
type pageEvent struct {
	Seq     uint64 `json:"seq"`
	Kind    string `json:"kind"`
	Channel string `json:"channel,omitempty"`
	TS      string `json:"ts,omitempty"`
	ViewID  string `json:"view_id,omitempty"`
	User    string `json:"user,omitempty"`
}

// pageRelevant reports whether user's page should hear of e: changes to
// what they can see, and the bot connecting or going away.
func (w *Workspace) pageRelevant(e Event, user string) bool {
	switch e.Kind {
	case EvMessagePosted, EvMessageUpdated, EvMessageDeleted:
		w.mu.Lock()
		defer w.mu.Unlock()
		c := w.channels[e.Channel]
		return c != nil && w.isMember(c, user)
	case EvEphemeral, EvViewOpened, EvViewUpdated, EvViewClosed, EvHomePublished:
		return e.User == user
	case EvUserAdded, EvChannelAdded, EvConnected, EvDisconnected:
		return true
	}
	return false
}
