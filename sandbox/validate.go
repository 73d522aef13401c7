package sandbox

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Slack's Block Kit limits (slack-protocol.md §4.3).
const (
	maxMessageBlocks   = 50
	maxViewBlocks      = 100
	maxSectionText     = 3000
	maxFieldText       = 2000
	maxFields          = 10
	maxHeaderText      = 150
	maxIDLen           = 255
	maxButtonText      = 75
	maxButtonValue     = 2000
	maxURL             = 3000
	maxActionsElements = 25
	maxContextElements = 10
	maxSelectOptions   = 100
	maxOptionText      = 75
	maxOptionValue     = 150
	maxChoiceOptions   = 10
	maxPlaceholder     = 150
	maxLabel           = 2000
	maxViewTitle       = 24
	maxPrivateMetadata = 3000
	maxViewBytes       = 250_000
	maxMessageText     = 40_000
	maxAttachments     = 100
)

// checker collects Slack-style problems with their JSON pointers.
type checker struct{ problems []string }

func (c *checker) add(ptr, format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...)+" [json-pointer:"+ptr+"]")
}

func (c *checker) maxLen(ptr, s string, n int) {
	if utf8.RuneCountInString(s) > n {
		c.add(ptr, "must be less than %d characters", n+1)
	}
}

// text checks a text composition object and returns its text.
func (c *checker) text(ptr string, v any, limit int, plainOnly bool) string {
	t, ok := v.(map[string]any)
	if !ok {
		c.add(ptr, "must provide an object")
		return ""
	}
	typ, _ := t["type"].(string)
	if typ != "plain_text" && (plainOnly || typ != "mrkdwn") {
		c.add(ptr+"/type", "must be a valid enum value")
	}
	s, _ := t["text"].(string)
	if s == "" {
		c.add(ptr+"/text", "must be more than 0 characters")
	}
	c.maxLen(ptr+"/text", s, limit)
	return s
}

// blocks checks a blocks array against Slack's limits; it reports whether
// the JSON had Block Kit's shape at all (invalid_blocks_format otherwise).
// Each block is checked by blockID and block, in that order, so problems
// come out block by block as Slack lists them.
func (c *checker) blocks(ptr string, raw json.RawMessage, maxBlocks int) (hasInput, wellFormed bool) {
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return false, false
	}
	if len(blocks) > maxBlocks {
		c.add(ptr, "no more than %d items allowed", maxBlocks)
	}
	seen := map[string]bool{}
	for i, b := range blocks {
		p := fmt.Sprintf("%s/%d", ptr, i)
		c.blockID(p, b, seen)
		if c.block(p, b) {
			hasInput = true
		}
	}
	return hasInput, true
}

// blockID checks the optional block_id of the block at p. It needs the ids
// of the blocks before it (seen, which it updates) because Slack rejects a
// surface where two blocks share an id, not just an id that is too long.
func (c *checker) blockID(p string, b map[string]any, seen map[string]bool) {
	id, ok := b["block_id"].(string)
	if !ok {
		return
	}
	c.maxLen(p+"/block_id", id, maxIDLen)
	if seen[id] {
		c.add(p+"/block_id", "duplicate block_id")
	}
	seen[id] = true
}

// block checks the block at p by its type and reports whether it is an input
// block, which the caller needs because a modal with inputs must have a
// submit button (checkView). Unknown types are rejected as Slack does;
// the known types without limits worth emulating pass unchecked.
func (c *checker) block(p string, b map[string]any) (isInput bool) {
	typ, _ := b["type"].(string)
	switch typ {
	case "section":
		c.section(p, b)
	case "header":
		c.text(p+"/text", b["text"], maxHeaderText, true)
	case "actions":
		c.actions(p, b)
	case "context":
		els, _ := b["elements"].([]any)
		if len(els) > maxContextElements {
			c.add(p+"/elements", "no more than %d items allowed", maxContextElements)
		}
	case "input":
		c.input(p, b)
		return true
	case "divider", "image", "rich_text", "file", "video", "markdown", "call", "context_actions", "table":
	default:
		c.add(p+"/type", "must be a valid enum value")
	}
	return false
}

// section checks a section block, which Slack accepts with text, fields or
// both but not with neither, each under its own length limit, plus an
// optional accessory element.
func (c *checker) section(p string, b map[string]any) {
	_, hasText := b["text"]
	fields, _ := b["fields"].([]any)
	if !hasText && len(fields) == 0 {
		c.add(p, "must provide either text or fields")
	}
	if hasText {
		c.text(p+"/text", b["text"], maxSectionText, false)
	}
	if len(fields) > maxFields {
		c.add(p+"/fields", "no more than %d items allowed", maxFields)
	}
	for j, f := range fields {
		c.text(fmt.Sprintf("%s/fields/%d", p, j), f, maxFieldText, false)
	}
	if acc, ok := b["accessory"].(map[string]any); ok {
		c.element(p+"/accessory", acc)
	}
}

// actions checks an actions block: between 1 and maxActionsElements
// elements, each checked as an element, and action_ids unique within the
// block, since Slack could not tell the clicks apart otherwise.
func (c *checker) actions(p string, b map[string]any) {
	els, _ := b["elements"].([]any)
	if len(els) == 0 {
		c.add(p+"/elements", "must provide at least 1 item")
	}
	if len(els) > maxActionsElements {
		c.add(p+"/elements", "no more than %d items allowed", maxActionsElements)
	}
	ids := map[string]bool{}
	for j, e := range els {
		em, _ := e.(map[string]any)
		ep := fmt.Sprintf("%s/elements/%d", p, j)
		c.element(ep, em)
		if id, _ := em["action_id"].(string); id != "" {
			if ids[id] {
				c.add(ep+"/action_id", "duplicate action_id")
			}
			ids[id] = true
		}
	}
}

// input checks an input block: a plain-text label and optional hint, and
// the element it wraps, which Slack requires (an input with nothing to
// type into is an error, not an empty field).
func (c *checker) input(p string, b map[string]any) {
	c.text(p+"/label", b["label"], maxLabel, true)
	if h, ok := b["hint"]; ok {
		c.text(p+"/hint", h, maxLabel, true)
	}
	if el, ok := b["element"].(map[string]any); ok {
		c.element(p+"/element", el)
	} else {
		c.add(p+"/element", "must provide an object")
	}
}

// element checks an interactive element.
func (c *checker) element(ptr string, e map[string]any) {
	if id, ok := e["action_id"].(string); ok {
		c.maxLen(ptr+"/action_id", id, maxIDLen)
	}
	if ph, ok := e["placeholder"]; ok {
		c.text(ptr+"/placeholder", ph, maxPlaceholder, true)
	}
	options := func(limit int) {
		opts, _ := e["options"].([]any)
		if len(opts) > limit {
			c.add(ptr+"/options", "no more than %d items allowed", limit)
		}
		for j, o := range opts {
			om, _ := o.(map[string]any)
			op := fmt.Sprintf("%s/options/%d", ptr, j)
			c.text(op+"/text", om["text"], maxOptionText, false)
			v, _ := om["value"].(string)
			c.maxLen(op+"/value", v, maxOptionValue)
		}
	}
	switch e["type"] {
	case "button":
		c.text(ptr+"/text", e["text"], maxButtonText, true)
		v, _ := e["value"].(string)
		c.maxLen(ptr+"/value", v, maxButtonValue)
		u, _ := e["url"].(string)
		c.maxLen(ptr+"/url", u, maxURL)
	case "static_select", "multi_static_select":
		options(maxSelectOptions)
	case "overflow":
		options(5)
	case "checkboxes", "radio_buttons":
		options(maxChoiceOptions)
	case "plain_text_input":
		if n, ok := e["max_length"].(float64); ok && (n < 1 || n > 3000) {
			c.add(ptr+"/max_length", "must be between 1 and 3000")
		}
	}
}

// checkMessage validates chat.* content and returns Slack's error.
func checkMessage(text string, blocks, attachments json.RawMessage, requireContent bool) *apiError {
	if len(blocks) > 0 {
		var c checker
		if _, ok := c.blocks("/blocks", blocks, maxMessageBlocks); !ok {
			return fail("invalid_blocks_format")
		}
		if len(c.problems) > 0 {
			return invalidBlocks(c.problems)
		}
	}
	if len(attachments) > 0 {
		var atts []json.RawMessage
		if json.Unmarshal(attachments, &atts) != nil {
			return fail("invalid_attachments")
		}
		if len(atts) > maxAttachments {
			return fail("too_many_attachments")
		}
	}
	if requireContent && text == "" && !nonEmptyArray(blocks) && !nonEmptyArray(attachments) {
		return fail("no_text")
	}
	return nil
}

func invalidBlocks(problems []string) *apiError {
	e := &apiError{code: "invalid_blocks", errors: problems}
	for _, p := range problems {
		e.messages = append(e.messages, "[ERROR] "+p)
	}
	return e
}

func nonEmptyArray(raw json.RawMessage) bool {
	var a []json.RawMessage
	return json.Unmarshal(raw, &a) == nil && len(a) > 0
}

// checkView validates a views.* view and returns Slack's error
// (invalid_arguments with the problems in response_metadata.messages).
func checkView(raw json.RawMessage, wantType string) *apiError {
	if len(raw) > maxViewBytes {
		return fail("view_too_large")
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return &apiError{code: "invalid_arguments", messages: []string{"[ERROR] missing required field: view"}}
	}
	var c checker
	typ, _ := v["type"].(string)
	switch {
	case typ != "modal" && typ != "home":
		c.add("/view/type", "must be a valid enum value")
	case wantType != "" && typ != wantType:
		c.add("/view/type", "must be %s", wantType)
	}
	if typ == "modal" {
		c.text("/view/title", v["title"], maxViewTitle, true)
	}
	for _, k := range []string{"submit", "close"} {
		if x, ok := v[k]; ok && x != nil {
			c.text("/view/"+k, x, maxViewTitle, true)
		}
	}
	if pm, _ := v["private_metadata"].(string); pm != "" {
		c.maxLen("/view/private_metadata", pm, maxPrivateMetadata)
	}
	for _, k := range []string{"callback_id", "external_id"} {
		s, _ := v[k].(string)
		c.maxLen("/view/"+k, s, maxIDLen)
	}
	if b, ok := v["blocks"]; ok && b != nil {
		braw, _ := json.Marshal(b)
		hasInput, ok := c.blocks("/view/blocks", braw, maxViewBlocks)
		if !ok {
			c.add("/view/blocks", "must provide an array")
		}
		if hasInput && typ == "modal" && v["submit"] == nil {
			c.add("/view/submit", "must provide submit when input blocks are present")
		}
	}
	if len(c.problems) == 0 {
		return nil
	}
	e := &apiError{code: "invalid_arguments"}
	for _, p := range c.problems {
		e.messages = append(e.messages, "[ERROR] "+p)
	}
	return e
}
