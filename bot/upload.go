package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// UploadFile shares data as a file in channel (a conversation id: "C…" or a DM's "D…"), in the
// thread threadTS when it is not "", through Slack's current upload flow:
// files.getUploadURLExternal, a POST of the bytes to the URL it returns, and
// files.completeUploadExternal, which shares the file and posts its message. title is also the
// image's alt text for screen readers.
//
// Each step goes through the sender's rules on its own (429s waited out, transient failures
// retried), so a retry repeats one step, never the whole upload; the last step is paced like a
// message in channel, since it posts one.
func (s *Sender) UploadFile(ctx context.Context, channel, filename, title string, data []byte, threadTS string) error {
	if len(data) == 0 {
		return errors.New("upload: empty file")
	}
	if channel == "" || filename == "" {
		return errors.New("upload: channel and filename are required")
	}
	var up *slack.GetUploadURLExternalResponse
	err := s.call(ctx, "files.getUploadURLExternal", "", func(ctx context.Context) error {
		var err error
		up, err = s.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{
			FileName: filename, FileSize: len(data), AltTxt: title})
		return err
	})
	if err != nil {
		return err
	}
	err = s.call(ctx, "files.upload_url", "", func(ctx context.Context) error {
		// A fresh reader per attempt: a retry sends the whole file again.
		return s.api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: up.UploadURL, Filename: filename, Reader: bytes.NewReader(data)})
	})
	if err != nil {
		return err
	}
	return s.call(ctx, "files.completeUploadExternal", channel, func(ctx context.Context) error {
		res, err := s.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
			Files: []slack.FileSummary{{ID: up.FileID, Title: title}}, Channel: channel, ThreadTimestamp: threadTS})
		if err == nil && len(res.Files) != 1 {
			err = fmt.Errorf("%d files completed instead of 1", len(res.Files))
		}
		return err
	})
}
