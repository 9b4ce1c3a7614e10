package server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Defaults of the upload transport's pace limits. An upload may take an
// hour (Config.UploadTimeout), but a client that trickles a byte now and
// then must not hold a connection and a staging file for all of it.
const (
	defaultUploadIdle = 30 * time.Second // no byte for this long: hang up
	defaultMinRate    = 32 << 10         // bytes per second, averaged over the window
	defaultRateWindow = 30 * time.Second
	defaultRateGrace  = 10 * time.Second // of waiting, before the rate counts

	// After the refusal of an upload, the client has this long to read
	// it before the connection closes: closing with unread request
	// bytes makes the kernel send a reset that can destroy the answer in
	// flight (net/http's rstAvoidanceDelay is the same).
	lingerTime  = 500 * time.Millisecond
	lingerBytes = 64 << 10
)

// pace bounds how slowly a client may send a request body.
type pace struct {
	idle    time.Duration // longest wait for the next byte
	minRate int64         // bytes per second over window, after grace
	window  time.Duration
	grace   time.Duration
}

// orDefaults fills zero fields; a negative idle or minRate turns its
// check off.
func (p pace) orDefaults() pace {
	if p.idle == 0 {
		p.idle = defaultUploadIdle
	}
	if p.minRate == 0 {
		p.minRate = defaultMinRate
	}
	if p.window <= 0 {
		p.window = defaultRateWindow
	}
	if p.grace <= 0 {
		p.grace = defaultRateGrace
	}
	return p
}

// pacedBody reads a request body under the connection's read deadline,
// moved forward as bytes arrive (the idle timeout, never past the whole
// request's deadline), and refuses a client whose average rate over the
// sliding window falls below the minimum. Time is the client's: only the
// time spent waiting inside Read counts, so the server's own pauses
// (writing, syncing a staged file) never count against the client. Once
// tripped it returns the same *uploadError, marked slow, on every call.
type pacedBody struct {
	r        io.Reader
	rc       *http.ResponseController
	pace     pace
	timeout  time.Duration // to receive the whole request
	deadline time.Time
	now      func() time.Time

	moved  time.Time     // when the read deadline was last moved
	waited time.Duration // time spent inside Read
	total  int64
	marks  []paceMark // samples, oldest first; marks[0] is at or before the window's start
	err    *uploadError

	// deadlineErr is why the connection takes no read deadline (a
	// response writer in between that hides it): then neither the idle
	// timeout nor the request's deadline holds, only the rate.
	deadlineErr error
}

type paceMark struct {
	waited time.Duration
	total  int64
}

// newPacedBody reads r, the body of the request rc answers, which must
// arrive whole within timeout.
func newPacedBody(r io.Reader, rc *http.ResponseController, p pace, timeout time.Duration) *pacedBody {
	now := time.Now()
	b := &pacedBody{r: r, rc: rc, pace: p, timeout: timeout, deadline: now.Add(timeout), now: time.Now, marks: []paceMark{{}}}
	b.deadlineErr = rc.SetReadDeadline(b.deadline)
	return b
}

// done gives the connection back its read deadline for the whole request,
// once the body is read: a read deadline that passes while the operation
// runs would cancel the request's context.
func (b *pacedBody) done() {
	_ = b.rc.SetReadDeadline(b.deadline)
}

func (b *pacedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	start := b.now()
	b.moveDeadline(start)
	n, err := b.r.Read(p)
	end := b.now()
	b.waited += end.Sub(start)
	b.total += int64(n)
	switch {
	case err != nil && errors.Is(err, os.ErrDeadlineExceeded):
		if !end.Before(b.deadline) {
			b.err = slowRefusal("the upload took longer than %s, this server's limit for one request", b.timeout)
		} else {
			b.err = slowRefusal("no data received for %s: the upload was idle too long", b.pace.idle)
		}
		return n, b.err
	case b.tooSlow():
		b.err = slowRefusal("the upload was too slow: under %s over %s", formatRate(b.pace.minRate), b.pace.window)
		return n, b.err
	}
	return n, err
}

// moveDeadline sets the read deadline to the idle timeout from now, or a
// sixteenth later: moved at most that often, it never cuts a client
// before the idle timeout and costs one timer update per burst, not per
// read.
func (b *pacedBody) moveDeadline(now time.Time) {
	slack := b.pace.idle / 16
	if b.pace.idle <= 0 || now.Sub(b.moved) < slack {
		return
	}
	b.moved = now
	d := now.Add(b.pace.idle + slack)
	if d.After(b.deadline) {
		d = b.deadline
	}
	_ = b.rc.SetReadDeadline(d)
}

// tooSlow reports whether the bytes received over the last window of
// waiting (over all of it, while shorter) average under the minimum rate.
// It keeps a sample every sixteenth of the window, so the span measured is
// the window plus at most that.
func (b *pacedBody) tooSlow() bool {
	if b.pace.minRate <= 0 {
		return false
	}
	if last := b.marks[len(b.marks)-1]; b.waited-last.waited >= b.pace.window/16 {
		b.marks = append(b.marks, paceMark{b.waited, b.total})
	}
	if b.waited < b.pace.grace {
		return false
	}
	// Keep the newest mark at or before the window's start, as the base.
	i := 0
	for i+1 < len(b.marks) && b.marks[i+1].waited <= b.waited-b.pace.window {
		i++
	}
	b.marks = b.marks[i:]
	base := b.marks[0]
	span := (b.waited - base.waited).Seconds()
	return float64(b.total-base.total) < float64(b.pace.minRate)*span
}

// slowRefusal is the answer to a client that sent too slowly.
func slowRefusal(format string, args ...any) *uploadError {
	e := refuse(http.StatusRequestTimeout, graph.CodeTimeout, format, args...)
	e.slow = true
	return e
}

// formatRate writes a rate in bytes per second for people.
func formatRate(bytesPerSecond int64) string {
	if bytesPerSecond%1024 == 0 {
		return strconv.FormatInt(bytesPerSecond/1024, 10) + " KiB/s"
	}
	return strconv.FormatInt(bytesPerSecond, 10) + " bytes/s"
}

// hangUp answers e and closes the connection, whatever the client is still
// sending: the answer goes out with its length, the write side is shut
// (the client reads the answer and then the end of the stream), unread
// bytes are discarded for lingerTime, and the connection is closed. Over
// HTTP/2, which cannot be hijacked, the server resets the stream instead.
func hangUp(w http.ResponseWriter, e *uploadError) {
	body := errorJSON(e.code, e.msg, w.Header().Get(requestIDHeader))
	h := w.Header()
	h.Set("Content-Type", jsonType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return
	}
	conn, _, err := rc.Hijack()
	if err != nil {
		return
	}
	linger(conn)
}

// linger shuts conn's write side and closes it once the client has
// closed its own, or after lingerTime. It reads a little meanwhile, to see
// the client's end; a client that goes on sending is not read further, so
// its writes block until the close instead of failing before it has read
// the answer (as net/http's closeWriteAndWait).
func linger(conn net.Conn) {
	defer conn.Close() //nolint:errcheck // given up on: nothing to tell anyone
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	deadline := time.Now().Add(lingerTime)
	_ = conn.SetReadDeadline(deadline)
	n, err := io.Copy(io.Discard, io.LimitReader(conn, lingerBytes))
	if err == nil && n == lingerBytes {
		time.Sleep(time.Until(deadline))
	}
}
