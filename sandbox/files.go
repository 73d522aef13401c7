package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Files: Slack's current upload flow, the one slack-go's UploadFileContext drives.
//
//  1. files.getUploadURLExternal (filename, length) returns a file id and an upload URL;
//  2. the bytes are POSTed to that URL (multipart, field "file", or the raw body);
//  3. files.completeUploadExternal (files=[{id,title}], channel_id, initial_comment or blocks,
//     thread_ts) shares the files into the conversation with one message.
//
// The upload URL is served by this server under /api/files/upload/v1/, which keeps it on the
// API's scheme and host: slack-go only sends the token (which it always attaches) to an https
// Slack host or to the API URL's own host.

// EvFileShared is the event of a file shared into a conversation (Channel and TS are those of
// the message files.completeUploadExternal posted; Detail is the file id).
const EvFileShared EventKind = "file_shared"

const (
	// uploadPath prefixes upload URLs (the rest is an unguessable key, not the file id).
	uploadPath = "/api/files/upload/v1/"
	// uploadTTL is how long an upload URL, and a file not yet completed, stay valid.
	uploadTTL = 10 * time.Minute
	// maxUpload bounds a file the sandbox keeps in memory.
	maxUpload = 50 << 20
)

// File is a file the bot uploaded.
type File struct {
	ID       string // "F…"
	Name     string // filename as given to files.getUploadURLExternal
	Title    string // from files.completeUploadExternal (default: Name)
	AltText  string // alt_txt
	Mimetype string // from the filename's extension
	Length   int    // as declared
	Data     []byte // as received at the upload URL
	// Where it was shared: "" for a file completed without a channel (private to the bot).
	Channel   string
	ThreadTS  string
	MessageTS string // the message files.completeUploadExternal posted
	Comment   string // initial_comment
	Created   time.Time
	Uploaded  bool // the bytes arrived
	Completed bool

	key string // the upload URL's key
}

// fileState is a workspace's files. Guarded by the workspace's mu.
type fileState struct {
	files []*File
	byID  map[string]*File
	byKey map[string]*File
}

// files returns the workspace's files. Caller holds mu.
func (w *Workspace) files() *fileState { return &w.uploads }

// Files returns the files the bot uploaded, in order, with their bytes.
func (w *Workspace) Files() []File {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []File
	for _, f := range w.files().files {
		c := *f
		c.Data = slices.Clone(f.Data)
		out = append(out, c)
	}
	return out
}

// WaitFile waits for a shared (completed) file that matches pred.
func (w *Workspace) WaitFile(ctx context.Context, pred func(File) bool) (File, error) {
	var got File
	err := w.waitFor(ctx, "file", func() bool {
		for _, f := range w.Files() {
			if f.Completed && pred(f) {
				got = f
				return true
			}
		}
		return false
	})
	return got, err
}

func (w *Workspace) apiGetUploadURLExternal(a *apiReq) (obj, *apiError) {
	name := a.str("filename")
	n, err := strconv.Atoi(a.str("length"))
	if name == "" || err != nil || n <= 0 {
		return nil, &apiError{code: "invalid_arguments", messages: []string{"[ERROR] filename and a positive length are required"}}
	}
	if n > maxUpload {
		return nil, fail("file_too_large")
	}
	f := &File{ID: w.newID('F'), Name: name, AltText: a.str("alt_txt"), Length: n, Created: w.cfg.Now(),
		Mimetype: mime.TypeByExtension(path.Ext(name)), key: randHex(16)}
	if f.Mimetype == "" {
		f.Mimetype = "application/octet-stream"
	}
	fs := w.files()
	fs.files = append(fs.files, f)
	fs.byID[f.ID], fs.byKey[f.key] = f, f
	return obj{"upload_url": w.baseURL + uploadPath + f.key, "file_id": f.ID}, nil
}

// serveUpload receives the bytes of a file. Like Slack's upload host it answers in plain text:
// "OK - <bytes>", or an HTTP error (404 for an unknown, expired or completed upload, 400 for a
// body that is not the declared length). The bytes may be sent again until the file is
// completed (a client retrying a lost answer), the last ones win.
func (w *Workspace) serveUpload(rw http.ResponseWriter, r *http.Request, key string) {
	w.learnBase(r)
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", "POST")
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	data, readErr := readUpload(r)
	w.mu.Lock()
	f := w.files().byKey[key]
	now := w.cfg.Now()
	status, code := http.StatusOK, ""
	switch {
	case f == nil || f.Completed || now.Sub(f.Created) > uploadTTL:
		status, code = http.StatusNotFound, "file_not_found"
	case readErr != nil:
		status, code = http.StatusBadRequest, "invalid_form_data"
	case len(data) != f.Length:
		status, code = http.StatusBadRequest, "length_mismatch"
	default:
		f.Data, f.Uploaded = data, true
	}
	params := map[string]string{"key": key, "bytes": strconv.Itoa(len(data))}
	if f != nil {
		params["file"] = f.ID
	}
	w.calls = append(w.calls, APICall{Method: "files.upload_url", At: time.Now(), Status: status, Error: code, Params: params})
	w.emit(Event{Kind: EvAPICall, Method: "files.upload_url", Detail: code})
	w.mu.Unlock()
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.WriteHeader(status)
	if code != "" {
		fmt.Fprintf(rw, "error: %s\n", code)
		if code == "length_mismatch" {
			fmt.Fprintf(rw, "declared %d bytes, received %d\n", f.Length, len(data))
		}
		return
	}
	fmt.Fprintf(rw, "OK - %d", len(data))
}

// readUpload returns the uploaded bytes: the first file part of a multipart form (slack-go
// sends the field "file"), or the raw body.
func readUpload(r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(nil, r.Body, maxUpload+1<<20)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return io.ReadAll(body)
	}
	r.Body = body
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, err
	}
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, fmt.Errorf("no file part: %w", err)
		}
		if p.FileName() != "" || p.FormName() == "file" {
			return io.ReadAll(p)
		}
	}
}

func (w *Workspace) apiCompleteUploadExternal(a *apiReq) (obj, *apiError) {
	invalid := func(why string) *apiError {
		return &apiError{code: "invalid_arguments", messages: []string{"[ERROR] " + why}}
	}
	var list []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal(a.rawJSON("files"), &list); err != nil || len(list) == 0 {
		return nil, invalid("files must be a JSON array of {id, title}")
	}
	fs := w.files()
	now := w.cfg.Now()
	seen := map[string]bool{}
	for _, it := range list {
		f := fs.byID[it.ID]
		if seen[it.ID] {
			return nil, invalid("file " + it.ID + " listed twice")
		}
		seen[it.ID] = true
		// Unknown, expired, already completed, or never uploaded: nothing to complete.
		if f == nil || f.Completed || !f.Uploaded || now.Sub(f.Created) > uploadTTL {
			return nil, fail("file_not_found")
		}
	}
	ref := a.str("channel_id")
	if chans := a.str("channels"); ref == "" && chans != "" {
		if strings.Contains(chans, ",") {
			return nil, invalid("the sandbox shares into one conversation: use channel_id")
		}
		ref = chans
	}
	thread := a.str("thread_ts")
	if thread != "" && ref == "" {
		return nil, invalid("thread_ts needs channel_id")
	}
	var c *Channel
	if ref != "" {
		// An id, as Slack wants here: not a name, not a user id.
		switch c = w.channels[ref]; {
		case c == nil:
			return nil, fail("channel_not_found")
		case c.Archived:
			return nil, fail("is_archived")
		case !c.BotMember:
			return nil, fail("not_in_channel")
		}
	}
	comment := a.str("initial_comment")
	var blocks json.RawMessage
	if comment == "" {
		blocks = a.rawJSON("blocks")
	}
	if e := checkMessage(comment, blocks, nil, false); e != nil {
		return nil, e
	}
	var msg *Message
	if c != nil {
		msg = w.postBot(c, comment, blocks, thread, "files.completeUploadExternal")
	}
	var out []obj
	for _, it := range list {
		f := fs.byID[it.ID]
		f.Title, f.Completed, f.Comment = it.Title, true, comment
		if f.Title == "" {
			f.Title = f.Name
		}
		if msg != nil {
			f.Channel, f.ThreadTS, f.MessageTS = c.ID, thread, msg.TS
			w.emit(Event{Kind: EvFileShared, Channel: c.ID, TS: msg.TS, Method: "files.completeUploadExternal", Detail: f.ID})
		}
		out = append(out, obj{"id": f.ID, "title": f.Title, "name": f.Name, "mimetype": f.Mimetype, "size": len(f.Data)})
	}
	return obj{"files": out}, nil
}
