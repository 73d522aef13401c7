package spool

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/store"
)

// entry is one line of the spool file: a click queued (Seq, At, Click), or the note that the
// click Seq was written or abandoned (Done).
type entry struct {
	Seq       int64               `json:"seq,omitempty"`
	At        time.Time           `json:"at"`
	Click     *store.SpooledClick `json:"click,omitempty"`
	Done      int64               `json:"done,omitempty"`
	Abandoned bool                `json:"abandoned,omitempty"`
}

// readPending reads the file from its start and returns the clicks not marked done, in order,
// and the highest sequence number seen.
func readPending(f *os.File) ([]entry, int64, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, err
	}
	queued := map[int64]entry{}
	var last int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var e entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// A line cut short by a crash mid-append is the last one: what it held was never
			// acknowledged to the rep as saved.
			if !sc.Scan() {
				break
			}
			return nil, 0, fmt.Errorf("line %d: %w", line, err)
		}
		switch {
		case e.Done > 0:
			delete(queued, e.Done)
		case e.Click != nil:
			queued[e.Seq] = e
			last = max(last, e.Seq)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, err
	}
	out := make([]entry, 0, len(queued))
	for _, e := range queued {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, last, nil
}

// appendLine writes e to the file and syncs it, so that it survives the process.
func (s *Spool) appendLine(e entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := s.file.Write(append(b, '\n')); err != nil {
		return leadbot.Errorf(leadbot.EUNAVAILABLE, "cannot write the click spool (%v): check the space and permissions of LEADBOT_DATA_DIR", err)
	}
	return s.file.Sync()
}

// enqueue queues c at the end.
func (s *Spool) enqueue(c store.SpooledClick) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := entry{Seq: s.seq + 1, At: s.cfg.Now(), Click: &c}
	if err := s.appendLine(e); err != nil {
		return err
	}
	s.seq = e.Seq
	if s.onDisk == 0 && len(s.mem) < s.cfg.Memory {
		s.mem = append(s.mem, e)
	} else {
		s.onDisk++
	}
	s.setPending(s.pending + 1)
	return nil
}

// head returns the oldest pending click, reloading from the file when memory ran dry.
func (s *Spool) head() (entry, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.mem) == 0 && s.onDisk > 0 {
		pending, _, err := readPending(s.file)
		if err != nil {
			return entry{}, false, err
		}
		s.fill(pending)
	}
	if len(s.mem) == 0 {
		return entry{}, false, nil
	}
	return s.mem[0], true, nil
}

// done marks the head written (or abandoned) and drops it; an empty queue empties the file.
func (s *Spool) done(e entry, abandoned bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.appendLine(entry{Done: e.Seq, At: s.cfg.Now(), Abandoned: abandoned}); err != nil {
		return err
	}
	s.mem = s.mem[1:]
	s.setPending(s.pending - 1)
	if s.pending == 0 {
		if err := s.file.Truncate(0); err != nil {
			s.log.Warn("click spool: could not empty the file; it is replayed harmlessly", "err", err)
		}
	}
	return nil
}
