package stix

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/redthread-dev/redthread/ingest"
)

// skipObject passes over the object of "objects" that json.Decoder gave up
// on, over its budget, without holding it: it scans the rest of the object
// from the decoder's buffer and the input, then goes on with a new decoder
// set where the old one stood, inside the array. The decoder cannot resume
// by itself.
func (r *Reader) skipObject() error {
	br := bufio.NewReaderSize(io.MultiReader(r.dec.Buffered(), r.src), 64<<10)
	if err := skipValue(br); err != nil {
		return err
	}
	c, err := nextByte(br)
	switch {
	case err != nil:
		return err
	case c == ']':
		_ = br.UnreadByte() // the array's end, for the new decoder
	case c != ',':
		return fmt.Errorf("%q after an object of the array", c)
	}
	// The new decoder reads a bundle whose "objects" resume here.
	r.src = io.MultiReader(strings.NewReader(`{"objects":[`), br)
	r.budget = ingest.NewBudgetReader(r.src, r.max, "the object")
	r.dec = json.NewDecoder(r.budget)
	r.dec.UseNumber()
	for range 3 { // {, "objects", [
		if _, err := r.dec.Token(); err != nil {
			return err
		}
	}
	return nil
}

// nextByte returns the next byte of br that is not JSON whitespace.
func nextByte(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			return c, err
		}
	}
}

// skipValue reads one JSON value (an object here) from br, streaming: it
// follows strings and nesting, without checking the rest of the syntax.
func skipValue(br *bufio.Reader) error {
	depth := 0
	for {
		c, err := nextByte(br)
		if err != nil {
			return unexpectedEOF(err)
		}
		switch c {
		case '"':
			if err := skipString(br); err != nil {
				return unexpectedEOF(err)
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		if depth <= 0 {
			if depth < 0 {
				return errors.New("unbalanced brackets")
			}
			if c == '}' || c == ']' || c == '"' {
				return nil
			}
			return errors.New("want an object")
		}
	}
}

// skipString reads the rest of a JSON string, its opening quote read: up
// to the first quote not escaped by an odd run of backslashes.
func skipString(br *bufio.Reader) error {
	run := 0 // backslashes just before what is read next
	for {
		chunk, err := br.ReadSlice('"')
		if errors.Is(err, bufio.ErrBufferFull) {
			run = trailingBackslashes(chunk, run)
			continue
		}
		if err != nil {
			return err
		}
		if trailingBackslashes(chunk[:len(chunk)-1], run)%2 == 0 {
			return nil
		}
		run = 0
	}
}

// trailingBackslashes counts the backslashes ending b, run of them before
// it when b is all backslashes.
func trailingBackslashes(b []byte, run int) int {
	n := 0
	for n < len(b) && b[len(b)-1-n] == '\\' {
		n++
	}
	if n == len(b) {
		return run + n
	}
	return n
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
