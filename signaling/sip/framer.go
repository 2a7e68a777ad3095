package sip

import (
	"bytes"
	"fmt"
)

// DefaultMaxMessageSize is the Framer's buffer bound when MaxSize is 0.
const DefaultMaxMessageSize = 64 << 10

// Framer splits a SIP byte stream (TCP or TLS plaintext, delivered in
// order, in arbitrary chunks) into whole messages. Spec: RFC 3261 §18.3:
// over a stream, Content-Length locates the end of each message, and CRLFs
// before a start line (keep-alives, RFC 5626 §3.5.1) are ignored.
//
// The zero Framer is ready to use; use one per stream direction. On an
// overflow or a message without Content-Length, Write returns an error and
// resynchronises: it drops bytes up to the next line that looks like a SIP
// start line.
type Framer struct {
	// MaxSize bounds one message (headers and body) and the bytes buffered
	// while waiting for one; 0 means DefaultMaxMessageSize.
	MaxSize int

	buf    []byte
	resync bool // dropping lines until a start line
}

// Write consumes chunk and calls emit for every complete message, in order.
// The slice passed to emit is only valid during the call (it aliases chunk
// or the Framer's buffer). Write returns the first framing error met while
// processing chunk, after processing all of it.
func (f *Framer) Write(chunk []byte, emit func(msg []byte)) error {
	max := f.MaxSize
	if max <= 0 {
		max = DefaultMaxMessageSize
	}
	data := chunk
	if len(f.buf) > 0 {
		f.buf = append(f.buf, chunk...)
		data = f.buf
	}
	var firstErr error
	for {
		if f.resync {
			var ok bool
			data, ok = skipToStartLine(data)
			if !ok {
				break // need more bytes to see a whole line
			}
			f.resync = false
		}
		// Keep-alives and stray line ends before a start line.
		for len(data) > 0 && (data[0] == '\r' || data[0] == '\n') {
			data = data[1:]
		}
		if len(data) == 0 {
			break
		}
		end, complete := streamHeaderEnd(data)
		if !complete {
			if len(data) > max {
				firstErr = first(firstErr, fmt.Errorf("sip: framer: no end of headers in %d bytes: %w", len(data), ErrMalformed))
				data = data[1:]
				f.resync = true
				continue
			}
			break
		}
		cl, ok := streamContentLength(data[:end])
		if !ok {
			firstErr = first(firstErr, fmt.Errorf("sip: framer: message without a valid Content-Length: %w", ErrMalformed))
			data = data[end:]
			f.resync = true
			continue
		}
		if end+cl > max {
			firstErr = first(firstErr, fmt.Errorf("sip: framer: message of %d bytes exceeds %d: %w", end+cl, max, ErrMalformed))
			data = data[1:]
			f.resync = true
			continue
		}
		if len(data) < end+cl {
			break
		}
		emit(data[:end+cl])
		data = data[end+cl:]
	}
	// Keep the unconsumed tail for the next chunk.
	if len(data) == 0 {
		f.buf = f.buf[:0]
	} else if len(f.buf) > 0 {
		n := copy(f.buf, data)
		f.buf = f.buf[:n]
	} else {
		f.buf = append(f.buf[:0], data...)
	}
	return firstErr
}

// Reset drops any buffered bytes, as when the stream restarts.
func (f *Framer) Reset() {
	f.buf = f.buf[:0]
	f.resync = false
}

func first(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// skipToStartLine drops whole lines until one that looks like a SIP start
// line. It reports false, with the incomplete tail, when it runs out of
// whole lines.
func skipToStartLine(data []byte) ([]byte, bool) {
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return data, false
		}
		if LooksLikeSIP(data[:i+1]) {
			return data, true
		}
		data = data[i+1:]
	}
}

// streamHeaderEnd returns the offset past the blank line ending the header
// section (CRLF or LF-only).
func streamHeaderEnd(b []byte) (int, bool) {
	pos := 0
	for {
		i := bytes.IndexByte(b[pos:], '\n')
		if i < 0 {
			return 0, false
		}
		pos += i + 1
		if pos < len(b) && b[pos] == '\n' {
			return pos + 1, true
		}
		if pos+1 < len(b) && b[pos] == '\r' && b[pos+1] == '\n' {
			return pos + 2, true
		}
		if pos >= len(b) || (pos+1 >= len(b) && b[pos] == '\r') {
			return 0, false
		}
	}
}

// streamContentLength finds Content-Length (or compact "l") in a header
// section. Spec: RFC 3261 §20.14.
func streamContentLength(hdr []byte) (int, bool) {
	for len(hdr) > 0 {
		var line []byte
		if i := bytes.IndexByte(hdr, '\n'); i >= 0 {
			line, hdr = hdr[:i], hdr[i+1:]
		} else {
			line, hdr = hdr, nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		name := bytes.TrimRight(line[:colon], " \t")
		if !bytes.EqualFold(name, []byte("content-length")) && !bytes.EqualFold(name, []byte("l")) {
			continue
		}
		v := bytes.TrimSpace(line[colon+1:])
		if len(v) == 0 || len(v) > 9 {
			return 0, false
		}
		n := 0
		for _, c := range v {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	return 0, false
}
