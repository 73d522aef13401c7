package sandbox

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// maxAckBytes mirrors slack-go's 20 KiB ack limit: Slack silently drops
// larger frames, so the sandbox ignores them too.
const maxAckBytes = 20480

// upgrader accepts any Origin: slack-go sends "Origin: https://api.slack.com",
// which gorilla's default check would refuse.
var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// socketState holds the Socket Mode connections and unacked envelopes.
// Lock order: Workspace.mu before socketState.mu, never the reverse.
type socketState struct {
	mu      sync.Mutex
	conns   []*conn
	joining int // upgrades admitted but not yet registered, so the cap holds under races
	rr      int
	nextID  int
	pending map[string]*pending
}

func (s *socketState) init() { s.pending = map[string]*pending{} }

func (s *socketState) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *socketState) closeAll() {
	s.mu.Lock()
	conns := append([]*conn(nil), s.conns...)
	for _, p := range s.pending {
		if p.timer != nil {
			p.timer.Stop()
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}

// conn is one Socket Mode WebSocket.
type conn struct {
	id   int
	ws   *websocket.Conn
	out  chan outFrame
	done chan struct{}
	once sync.Once
}

// outFrame is a text frame to write; p is set for envelopes so the write
// time can be recorded for latency.
type outFrame struct {
	data []byte
	p    *pending
}

func (c *conn) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

// send queues a frame, giving up if the connection is gone.
func (c *conn) send(f outFrame) bool {
	select {
	case c.out <- f:
		return true
	case <-c.done:
		return false
	}
}

func (w *Workspace) serveLink(rw http.ResponseWriter, r *http.Request) {
	w.learnBase(r)
	ticket := r.URL.Query().Get("ticket")
	w.mu.Lock()
	used, known := w.tickets[ticket]
	if known && !used {
		w.tickets[ticket] = true
	}
	w.mu.Unlock()
	if !known || used {
		// A reused or unknown ticket is refused before the upgrade.
		http.Error(rw, "invalid_ticket", http.StatusUnauthorized)
		return
	}
	w.sock.mu.Lock()
	full := len(w.sock.conns)+w.sock.joining >= w.cfg.MaxConnections
	if !full {
		w.sock.joining++
	}
	w.sock.mu.Unlock()
	if full {
		http.Error(rw, "too_many_websockets", http.StatusTooManyRequests)
		return
	}
	ws, err := upgrader.Upgrade(rw, r, nil)
	if err != nil {
		w.sock.mu.Lock()
		w.sock.joining--
		w.sock.mu.Unlock()
		w.log.Debug("sandbox: upgrade", "err", err)
		return
	}
	c := &conn{ws: ws, out: make(chan outFrame, 256), done: make(chan struct{})}
	w.sock.mu.Lock()
	w.sock.joining--
	w.sock.nextID++
	c.id = w.sock.nextID
	w.sock.conns = append(w.sock.conns, c)
	n := len(w.sock.conns)
	w.sock.mu.Unlock()

	hello, _ := json.Marshal(obj{
		"type": "hello", "num_connections": n,
		"debug_info":      obj{"host": "applink-sandbox", "build_number": 1, "approximate_connection_time": 18060},
		"connection_info": obj{"app_id": w.appID},
	})
	c.out <- outFrame{data: hello}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		w.writeLoop(c)
	}()
	w.mu.Lock()
	w.emit(Event{Kind: EvConnected, Detail: ticket})
	w.mu.Unlock()
	w.log.Debug("sandbox: connected", "conn", c.id, "connections", n)

	w.readLoop(c)

	c.close()
	w.sock.mu.Lock()
	for i, x := range w.sock.conns {
		if x == c {
			w.sock.conns = append(w.sock.conns[:i], w.sock.conns[i+1:]...)
			break
		}
	}
	w.sock.mu.Unlock()
	w.mu.Lock()
	w.emit(Event{Kind: EvDisconnected})
	w.mu.Unlock()
	w.log.Debug("sandbox: disconnected", "conn", c.id)
}

// writeLoop is the connection's only writer of data frames; it also sends
// the keep-alive pings slack-go's watchdog expects.
func (w *Workspace) writeLoop(c *conn) {
	t := time.NewTicker(w.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case f := <-c.out:
			if f.p != nil {
				// Latency and the ack deadline both count from the write, as
				// Slack's clock starts when it sends.
				w.sock.mu.Lock()
				f.p.sent = time.Now()
				if !f.p.expired {
					f.p.timer.Reset(w.cfg.AckDeadline)
				}
				w.sock.mu.Unlock()
			}
			_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
				c.close()
				return
			}
		case <-t.C:
			if w.pingsOff.Load() {
				continue
			}
			err := c.ws.WriteControl(websocket.PingMessage, []byte("Ping from applink-sandbox"), time.Now().Add(5*time.Second))
			if err != nil {
				c.close()
				return
			}
		case <-c.done:
			return
		case <-w.closed:
			c.close()
			return
		}
	}
}

// readLoop reads acks until the connection ends. It only reads and timestamps: matching an ack
// needs the workspace lock, which Web API calls hold too, and waiting for it here would delay
// reading the next acks and inflate their measured latency with the sandbox's own contention.
func (w *Workspace) readLoop(c *conn) {
	type ackFrame struct {
		id      string
		payload json.RawMessage
		at      time.Time
	}
	queue := make(chan ackFrame, 4096)
	matched := make(chan struct{})
	go func() {
		defer close(matched)
		for a := range queue {
			w.ackReceived(a.id, a.payload, a.at)
		}
	}()
	defer func() { close(queue); <-matched }()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now()
		if len(data) >= maxAckBytes {
			w.log.Warn("sandbox: ack frame too large, dropped as Slack does", "bytes", len(data))
			continue
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(data, &ack); err != nil || ack.EnvelopeID == "" {
			w.log.Warn("sandbox: unreadable frame", "err", err)
			continue
		}
		queue <- ackFrame{ack.EnvelopeID, ack.Payload, now}
	}
}

// pickConn chooses the connection for the next envelope.
func (s *socketState) pickConn(random bool) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) == 0 {
		return nil
	}
	if random {
		return s.conns[rand.IntN(len(s.conns))]
	}
	s.rr++
	return s.conns[s.rr%len(s.conns)]
}

// DisconnectReason is the reason of a disconnect frame.
type DisconnectReason string

// Slack's disconnect reasons.
const (
	DisconnectWarning           DisconnectReason = "warning"
	DisconnectRefreshRequested  DisconnectReason = "refresh_requested"
	DisconnectLinkDisabled      DisconnectReason = "link_disabled"
	DisconnectTooManyWebsockets DisconnectReason = "too_many_websockets"
)

// Disconnect sends a disconnect frame with reason to every open connection,
// as Slack does before it refreshes a link; a connection the client does
// not drop is closed after Config.DisconnectGrace. It returns how many
// connections were told.
func (w *Workspace) Disconnect(reason DisconnectReason) int {
	frame, _ := json.Marshal(obj{"type": "disconnect", "reason": string(reason),
		"debug_info": obj{"host": "applink-sandbox"}})
	w.sock.mu.Lock()
	conns := append([]*conn(nil), w.sock.conns...)
	w.sock.mu.Unlock()
	for _, c := range conns {
		c.send(outFrame{data: frame})
		c := c
		t := time.AfterFunc(w.cfg.DisconnectGrace, c.close)
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			select {
			case <-c.done:
			case <-w.closed:
			}
			t.Stop()
		}()
	}
	return len(conns)
}

// DropConnections closes every connection without a disconnect frame (as
// a network failure would).
func (w *Workspace) DropConnections() { w.sock.closeAll() }

// PausePings stops (true) or resumes (false) keep-alive pings, to test a
// client's ping watchdog.
func (w *Workspace) PausePings(paused bool) { w.pingsOff.Store(paused) }

// Connections returns how many Socket Mode connections are open.
func (w *Workspace) Connections() int { return w.sock.count() }
