package sandbox_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
)

// fakeNow is a settable clock for the sandbox's expiries.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeNow) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeNow) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// slack-go's three-step upload (UploadFileContext: files.getUploadURLExternal, the POST to the
// upload URL, files.completeUploadExternal) works against the sandbox, and the file, its bytes
// and the message it made are recorded.
func TestUploadFileConformance(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
	_, parent, err := api.PostMessageContext(ctx, alice.DM, slack.MsgOptionText("the digest", false))
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("\x89PNG-ish "), 300)
	sum, err := api.UploadFileContext(ctx, slack.UploadFileParameters{Reader: bytes.NewReader(data), FileSize: len(data),
		Filename: "chart.png", Title: "The chart", AltTxt: "a chart", Channel: alice.DM, ThreadTimestamp: parent, InitialComment: "Here it is"})
	if err != nil {
		t.Fatal(err)
	}
	files := sb.Files()
	if len(files) != 1 {
		t.Fatalf("%d files recorded", len(files))
	}
	f := files[0]
	if sum.ID != f.ID || sum.Title != "The chart" || !strings.HasPrefix(f.ID, "F") {
		t.Errorf("summary %+v, file %s", sum, f.ID)
	}
	if !bytes.Equal(f.Data, data) || f.Length != len(data) || f.Name != "chart.png" || f.Title != "The chart" || f.AltText != "a chart" ||
		f.Mimetype != "image/png" || f.Channel != alice.DM || f.ThreadTS != parent || f.Comment != "Here it is" || !f.Uploaded || !f.Completed {
		t.Errorf("file recorded as %+v", f)
	}
	m, ok := sb.Message(alice.DM, f.MessageTS)
	if !ok || m.ThreadTS != parent || m.Text != "Here it is" {
		t.Errorf("message of the upload: %+v (found %v)", m, ok)
	}
	if got, err := sb.WaitFile(ctx, func(x sandbox.File) bool { return x.ID == f.ID }); err != nil || got.MessageTS != f.MessageTS {
		t.Errorf("WaitFile: %+v %v", got, err)
	}
	// Without a thread and a comment: a message of its own in the conversation.
	if _, err := api.UploadFileContext(ctx, slack.UploadFileParameters{Content: "a,b\n1,2\n", FileSize: 8, Filename: "x.csv", Channel: alice.DM}); err != nil {
		t.Fatal(err)
	}
	if f := sb.Files()[1]; f.ThreadTS != "" || f.Title != "x.csv" || string(f.Data) != "a,b\n1,2\n" || f.MessageTS == "" {
		t.Errorf("second file %+v", f)
	}
}

// Slack's errors: unknown or expired uploads, a body of the wrong length, a conversation the
// bot is not in, missing arguments. A failed step changes nothing.
func TestUploadFileErrors(t *testing.T) {
	clk := &fakeNow{t: time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)}
	sb := sandboxtest.Start(t, sandbox.Config{Now: clk.Now})
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	closed := sb.AddChannel(sandbox.Channel{Name: "closed", Members: []string{alice.ID}, BotMember: false})
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
	upload := func(channel string) error {
		_, err := api.UploadFileContext(ctx, slack.UploadFileParameters{Content: "abc", FileSize: 3, Filename: "a.txt", Channel: channel})
		return err
	}
	code := func(err error) string {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) {
			return se.Err
		}
		var sc slack.StatusCodeError
		if errors.As(err, &sc) {
			return "HTTP " + http.StatusText(sc.Code)
		}
		if err == nil {
			return "ok"
		}
		return err.Error()
	}
	check := func(what string, err error, want string) {
		t.Helper()
		if got := code(err); got != want {
			t.Errorf("%s: %s, want %s", what, got, want)
		}
	}
	check("channel the bot is not in", upload(closed.ID), "not_in_channel")
	check("unknown channel", upload("C0NOPE"), "channel_not_found")
	check("a user id is no channel id", upload(alice.ID), "channel_not_found")
	sb.ArchiveChannel(closed.ID)
	check("archived channel", upload(closed.ID), "is_archived")

	newUpload := func(n int) *slack.GetUploadURLExternalResponse {
		t.Helper()
		u, err := api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: "b.bin", FileSize: n})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	send := func(u string, body string) error {
		return api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: u, Filename: "b.bin", Content: body})
	}
	complete := func(id string) error {
		_, err := api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{Files: []slack.FileSummary{{ID: id}}, Channel: alice.DM})
		return err
	}
	u := newUpload(10)
	check("bytes of the wrong length", send(u.UploadURL, "12345"), "HTTP Bad Request")
	check("complete before the bytes arrived", complete(u.FileID), "file_not_found")
	check("the right length", send(u.UploadURL, "0123456789"), "ok")
	check("sent again before completing", send(u.UploadURL, "9876543210"), "ok")
	check("complete", complete(u.FileID), "ok")
	check("complete twice", complete(u.FileID), "file_not_found")
	check("send after completing", send(u.UploadURL, "0123456789"), "HTTP Not Found")
	check("unknown file id", complete("F0NOPE"), "file_not_found")
	base := strings.TrimSuffix(sb.APIURL(), "/api/")
	check("unknown upload URL", send(base+"/api/files/upload/v1/nope", "x"), "HTTP Not Found")

	u = newUpload(3)
	clk.Add(11 * time.Minute)
	check("expired upload URL", send(u.UploadURL, "abc"), "HTTP Not Found")
	u2 := newUpload(3)
	check("upload", send(u2.UploadURL, "abc"), "ok")
	clk.Add(11 * time.Minute)
	check("expired before completing", complete(u2.FileID), "file_not_found")

	// What slack-go refuses to send, sent by hand.
	post := func(method string, v url.Values) string {
		t.Helper()
		v.Set("token", sb.BotToken())
		res, err := http.PostForm(sb.APIURL()+method, v)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		if out.OK {
			return "ok"
		}
		return out.Error
	}
	check("no filename", errors.New(post("files.getUploadURLExternal", url.Values{"length": {"3"}})), "invalid_arguments")
	check("no length", errors.New(post("files.getUploadURLExternal", url.Values{"filename": {"a"}})), "invalid_arguments")
	check("files not JSON", errors.New(post("files.completeUploadExternal", url.Values{"files": {"F1"}})), "invalid_arguments")
	u3 := newUpload(3)
	check("upload", send(u3.UploadURL, "abc"), "ok")
	check("thread without a channel", errors.New(post("files.completeUploadExternal", url.Values{
		"files": {`[{"id":"` + u3.FileID + `"}]`}, "thread_ts": {"1.2"}})), "invalid_arguments")
	// Completed without a channel: private to the bot, no message.
	check("private file", errors.New(post("files.completeUploadExternal", url.Values{"files": {`[{"id":"` + u3.FileID + `"}]`}})), "ok")

	var shared, private int
	for _, f := range sb.Files() {
		switch {
		case f.Completed && f.Channel == alice.DM && string(f.Data) == "9876543210":
			shared++
		case f.Completed && f.Channel == "" && f.MessageTS == "":
			private++
		case f.Completed:
			t.Errorf("unexpected completed file %+v", f)
		}
	}
	if shared != 1 || private != 1 {
		t.Errorf("shared %d, private %d; want 1 and 1", shared, private)
	}
	for _, m := range sb.Messages() {
		if m.Channel == closed.ID {
			t.Error("a failed upload posted in the closed channel")
		}
	}
	if sb.CallCount("files.upload_url") == 0 || sb.CallCount("files.completeUploadExternal") == 0 {
		t.Error("upload calls not recorded")
	}
}

// The page shows a shared file with the message that shared it, as Slack does: the state lists
// it and its URL serves the bytes, an image as itself, anything else only as a download.
func TestPageShowsSharedFiles(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := testCtx(t)
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()))
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 30, 20))); err != nil {
		t.Fatal(err)
	}
	png := buf.Bytes()
	for _, up := range []slack.UploadFileParameters{
		{Reader: bytes.NewReader(png), FileSize: len(png), Filename: "chart.png", Title: "The chart", Channel: alice.DM},
		{Reader: strings.NewReader("<script>alert(1)</script>"), FileSize: 25, Filename: "x.html", Title: "page", Channel: alice.DM},
	} {
		if _, err := api.UploadFileContext(ctx, up); err != nil {
			t.Fatal(err)
		}
	}
	st := getState(t, sb, alice.ID, alice.DM)
	base := strings.TrimSuffix(sb.APIURL(), "/api/")
	var shown int
	for _, m := range st.Messages {
		for _, f := range m.Files {
			shown++
			res, err := http.Get(base + f.URL)
			if err != nil {
				t.Fatal(err)
			}
			body := new(bytes.Buffer)
			_, _ = body.ReadFrom(res.Body)
			res.Body.Close()
			ct, disp := res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition")
			switch f.Title {
			case "The chart":
				if f.Width != 30 || f.Height != 20 {
					t.Errorf("image size %d×%d, want 30×20 (the page keeps its room)", f.Width, f.Height)
				}
				if res.StatusCode != 200 || ct != "image/png" || disp != "" || !bytes.Equal(body.Bytes(), png) {
					t.Errorf("chart served as %d %q %q, %d bytes", res.StatusCode, ct, disp, body.Len())
				}
			case "page":
				if ct != "application/octet-stream" || !strings.HasPrefix(disp, "attachment") {
					t.Errorf("html file served as %q %q: it would run in the page's origin", ct, disp)
				}
			}
		}
	}
	if shown != 2 {
		t.Fatalf("the page shows %d files, want 2: %+v", shown, st.Messages)
	}
	if res, err := http.Get(base + "/sandbox/api/files/F-none"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown file: %v %v", res.StatusCode, err)
	}
}
