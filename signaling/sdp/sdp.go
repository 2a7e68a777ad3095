// Package sdp decodes the parts of a Session Description Protocol body that
// call analytics needs: where each media stream's RTP goes, which payload
// types it carries and in which direction. It is a pure decoder: []byte in,
// values out, no I/O and no logging.
//
// Spec: RFC 8866 (which obsoletes RFC 4566), RFC 3264 (offer/answer
// directions), RFC 3551 (static payload types).
package sdp

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
)

// Sentinel errors wrapped by Decode.
var (
	// ErrMalformed reports a body that is not SDP or holds a line whose
	// value cannot be decoded.
	ErrMalformed = errors.New("sdp: malformed")
	// ErrTruncated reports a body that ends before its first line.
	ErrTruncated = errors.New("sdp: truncated")
)

// LineError is the typed error for one undecodable line. It wraps
// ErrMalformed.
type LineError struct {
	Line int    // 1-based line number
	Type byte   // the line's type letter ('m', 'c', ...)
	What string // what was wrong
}

// Error implements error.
func (e *LineError) Error() string {
	return fmt.Sprintf("sdp: line %d (%c=): %s", e.Line, e.Type, e.What)
}

// Unwrap returns ErrMalformed.
func (e *LineError) Unwrap() error { return ErrMalformed }

// Session is one decoded session description.
//
// Decode resets every field and reuses the capacity of Media and of each
// Media's slices. Strings never alias the input: common tokens (media types,
// protocols, encodings, payload numbers) are interned and the rest copied, so
// a Session stays valid after the input buffer is reused.
type Session struct {
	// Origin is the raw value of the o= line ("user id version IN IP4 addr").
	Origin string
	// Conn is the session-level connection address (c=), the zero Addr when
	// absent or not an IP literal.
	Conn netip.Addr
	// Direction is the session-level direction attribute, "" when absent.
	Direction string
	// Media holds one entry per m= line, in order.
	Media []Media
}

// Media is one media description (an m= line and the lines under it).
type Media struct {
	// Type is the media type: "audio", "video", "image", "application"...
	Type string
	// Port is the transport port; 0 means the stream is disabled
	// (RFC 3264 §5.1).
	Port uint16
	// Proto is the transport protocol: "RTP/AVP", "RTP/SAVP", "udptl"...
	Proto string
	// Formats are the format tokens of the m= line: payload type numbers
	// for RTP protocols, "t38" for udptl.
	Formats []string
	// Conn is the media-level connection address; when valid it overrides
	// the session's.
	Conn netip.Addr
	// RTPMap holds the a=rtpmap attributes in order.
	RTPMap []RTPMap
	// Ptime is the a=ptime value in milliseconds (media-level, else
	// session-level), 0 when absent.
	Ptime int
	// Direction is the effective direction: the media-level attribute, else
	// the session-level one, else "sendrecv" (RFC 8866 §6.7).
	Direction string
}

// RTPMap is one a=rtpmap attribute: payload type to encoding.
// Spec: RFC 8866 §6.6.
//
//	a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
type RTPMap struct {
	PT       uint8
	Encoding string
	Rate     int
	Channels int // encoding parameters for audio; 0 when absent
}

// Addr returns the effective RTP address of m in s: the media-level c=
// address if any, else the session-level one, with m's port. It returns the
// zero AddrPort when no address is known.
func (m Media) Addr(s *Session) netip.AddrPort {
	a := m.Conn
	if !a.IsValid() && s != nil {
		a = s.Conn
	}
	if !a.IsValid() {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a, m.Port)
}

// Encoding returns the encoding name and clock rate of payload type pt in m:
// from its a=rtpmap, else from the static table of RFC 3551 §6. It returns
// "", 0 when unknown.
func (m Media) Encoding(pt uint8) (name string, rate int) {
	for _, r := range m.RTPMap {
		if r.PT == pt {
			return r.Encoding, r.Rate
		}
	}
	return StaticEncoding(pt)
}

// StaticEncoding returns the encoding name and clock rate of a static RTP
// payload type (RFC 3551 §6, Table 4), or "", 0.
func StaticEncoding(pt uint8) (string, int) {
	switch pt {
	case 0:
		return "PCMU", 8000
	case 3:
		return "GSM", 8000
	case 4:
		return "G723", 8000
	case 8:
		return "PCMA", 8000
	case 9:
		return "G722", 8000
	case 13:
		return "CN", 8000
	case 18:
		return "G729", 8000
	}
	return "", 0
}

// Decode decodes the SDP body b into s (RFC 8866 §5). It accepts CRLF and
// LF-only line endings, skips blank lines and lines it does not use
// (s=, t=, b=, k=, unknown attributes...), and keeps decoding after a bad
// line: the first problem is returned as a *LineError wrapping ErrMalformed
// while s holds everything that could be decoded.
//
//	v=0
//	o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
//	s=<session name>
//	c=<nettype> <addrtype> <connection-address>      (session or media level)
//	t=<start-time> <stop-time>
//	a=<attribute>[:<value>]                            (session level)
//	m=<media> <port>[/<number of ports>] <proto> <fmt> ...
//	a=<attribute>[:<value>]                            (media level)
func (s *Session) Decode(b []byte) error {
	s.Origin = ""
	s.Conn = netip.Addr{}
	s.Direction = ""
	s.Media = s.Media[:0]

	var (
		firstErr   error
		sessPtime  int
		lineNo     int
		sawVersion bool
		cur        *Media // current media description, nil at session level
	)
	fail := func(t byte, what string) {
		if firstErr == nil {
			firstErr = &LineError{Line: lineNo, Type: t, What: what}
		}
	}

	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		lineNo++
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 {
			continue
		}
		if len(line) < 2 || line[1] != '=' {
			if !sawVersion {
				return fmt.Errorf("sdp: line %d is not <type>=<value>: %w", lineNo, ErrMalformed)
			}
			fail('?', "not <type>=<value>")
			continue
		}
		typ, val := line[0], line[2:]
		if !sawVersion {
			if typ != 'v' {
				return fmt.Errorf("sdp: first line is %q, want v=: %w", typ, ErrMalformed)
			}
			sawVersion = true
			continue
		}
		switch typ {
		case 'o':
			if cur == nil && s.Origin == "" {
				s.Origin = string(val)
			}
		case 'c':
			a, ok := parseConn(val)
			if !ok {
				fail('c', "bad connection data")
				continue
			}
			if cur == nil {
				s.Conn = a
			} else {
				cur.Conn = a
			}
		case 'm':
			cur = s.nextMedia()
			if !parseMediaLine(cur, val) {
				fail('m', "bad media description")
			}
		case 'a':
			name, value, hasValue := bytes.Cut(val, []byte{':'})
			switch string(name) {
			case "rtpmap":
				if cur == nil || !hasValue {
					continue
				}
				r, ok := parseRTPMap(value)
				if !ok {
					fail('a', "bad rtpmap")
					continue
				}
				cur.RTPMap = append(cur.RTPMap, r)
			case "ptime":
				n, ok := atoi(bytes.TrimSpace(value))
				if !ok {
					fail('a', "bad ptime")
					continue
				}
				if cur == nil {
					sessPtime = n
				} else {
					cur.Ptime = n
				}
			case "sendrecv", "sendonly", "recvonly", "inactive":
				d := direction(name)
				if cur == nil {
					s.Direction = d
				} else {
					cur.Direction = d
				}
			}
		}
	}
	if !sawVersion {
		return fmt.Errorf("sdp: empty body: %w", ErrTruncated)
	}
	for i := range s.Media {
		m := &s.Media[i]
		if m.Direction == "" {
			m.Direction = s.Direction
			if m.Direction == "" {
				m.Direction = "sendrecv"
			}
		}
		if m.Ptime == 0 {
			m.Ptime = sessPtime
		}
	}
	return firstErr
}

// nextMedia appends a reset Media to s, reusing the slices of a previous
// decode, and returns it.
func (s *Session) nextMedia() *Media {
	n := len(s.Media)
	if n < cap(s.Media) {
		s.Media = s.Media[:n+1]
		m := &s.Media[n]
		*m = Media{Formats: m.Formats[:0], RTPMap: m.RTPMap[:0]}
		return m
	}
	s.Media = append(s.Media, Media{})
	return &s.Media[n]
}

// parseMediaLine decodes "<media> <port>[/<n>] <proto> <fmt> ..."
// (RFC 8866 §5.14).
func parseMediaLine(m *Media, v []byte) bool {
	f, v := field(v)
	m.Type = intern(f)
	f, v = field(v)
	if p, _, ok := bytes.Cut(f, []byte{'/'}); ok {
		f = p
	}
	port, ok := atoi(f)
	if !ok || port > 65535 {
		return false
	}
	m.Port = uint16(port)
	f, v = field(v)
	if len(f) == 0 {
		return false
	}
	m.Proto = intern(f)
	for {
		f, v = field(v)
		if len(f) == 0 {
			break
		}
		m.Formats = append(m.Formats, format(f))
	}
	return len(m.Type) > 0
}

// parseRTPMap decodes "<pt> <encoding>/<rate>[/<params>]" (RFC 8866 §6.6).
func parseRTPMap(v []byte) (RTPMap, bool) {
	var r RTPMap
	f, rest := field(v)
	pt, ok := atoi(f)
	if !ok || pt > 127 {
		return r, false
	}
	r.PT = uint8(pt)
	rest = bytes.TrimSpace(rest)
	enc, rest, _ := bytes.Cut(rest, []byte{'/'})
	if len(enc) == 0 {
		return r, false
	}
	r.Encoding = intern(enc)
	rate, ch, hasCh := bytes.Cut(rest, []byte{'/'})
	if r.Rate, ok = atoi(rate); !ok {
		return r, false
	}
	if hasCh {
		if r.Channels, ok = atoi(ch); !ok {
			return r, false
		}
	}
	return r, true
}

// parseConn decodes "<nettype> <addrtype> <address>[/<ttl>][/<n>]"
// (RFC 8866 §5.7). Only IN IP4 and IN IP6 literals yield an address.
func parseConn(v []byte) (netip.Addr, bool) {
	nt, v := field(v)
	at, v := field(v)
	addr, _ := field(v)
	if string(nt) != "IN" || len(addr) == 0 {
		return netip.Addr{}, false
	}
	if i := bytes.IndexByte(addr, '/'); i >= 0 {
		addr = addr[:i]
	}
	switch string(at) {
	case "IP4":
		if a, ok := parseIPv4(addr); ok {
			return a, true
		}
		return netip.Addr{}, false
	case "IP6":
		if len(addr) > 2 && addr[0] == '[' && addr[len(addr)-1] == ']' {
			addr = addr[1 : len(addr)-1]
		}
		a, err := netip.ParseAddr(string(addr))
		if err != nil || !a.Is6() {
			return netip.Addr{}, false
		}
		return a, true
	}
	return netip.Addr{}, false
}

// parseIPv4 parses a dotted-quad without allocating.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var a [4]byte
	part, n, digits := 0, 0, 0
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if digits > 0 && n == 0 {
				return netip.Addr{}, false // leading zero
			}
			n = n*10 + int(c-'0')
			digits++
			if n > 255 {
				return netip.Addr{}, false
			}
		case c == '.':
			if digits == 0 || part == 3 {
				return netip.Addr{}, false
			}
			a[part] = byte(n)
			part++
			n, digits = 0, 0
		default:
			return netip.Addr{}, false
		}
	}
	if part != 3 || digits == 0 {
		return netip.Addr{}, false
	}
	a[3] = byte(n)
	return netip.AddrFrom4(a), true
}

// field returns the first space-separated field of v and the rest.
func field(v []byte) (f, rest []byte) {
	i := 0
	for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
		i++
	}
	v = v[i:]
	j := 0
	for j < len(v) && v[j] != ' ' && v[j] != '\t' {
		j++
	}
	return v[:j], v[j:]
}

// atoi parses a non-negative decimal of at most 9 digits.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func direction(b []byte) string {
	switch string(b) {
	case "sendrecv":
		return "sendrecv"
	case "sendonly":
		return "sendonly"
	case "recvonly":
		return "recvonly"
	}
	return "inactive"
}

// smallInts holds "0".."255" so numeric formats need no allocation.
var smallInts = func() (t [256]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

// format returns the m= format token f as a string, interned when numeric.
func format(f []byte) string {
	if n, ok := atoi(f); ok && n < len(smallInts) && (len(f) == 1 || f[0] != '0') {
		return smallInts[n]
	}
	return intern(f)
}

// intern returns common SDP tokens without allocating and copies the rest.
func intern(b []byte) string {
	switch string(b) {
	case "audio":
		return "audio"
	case "video":
		return "video"
	case "image":
		return "image"
	case "application":
		return "application"
	case "text":
		return "text"
	case "message":
		return "message"
	case "RTP/AVP":
		return "RTP/AVP"
	case "RTP/SAVP":
		return "RTP/SAVP"
	case "RTP/AVPF":
		return "RTP/AVPF"
	case "RTP/SAVPF":
		return "RTP/SAVPF"
	case "UDP/TLS/RTP/SAVP":
		return "UDP/TLS/RTP/SAVP"
	case "UDP/TLS/RTP/SAVPF":
		return "UDP/TLS/RTP/SAVPF"
	case "udptl":
		return "udptl"
	case "UDPTL":
		return "UDPTL"
	case "t38":
		return "t38"
	case "PCMU":
		return "PCMU"
	case "PCMA":
		return "PCMA"
	case "G729":
		return "G729"
	case "G722":
		return "G722"
	case "GSM":
		return "GSM"
	case "G723":
		return "G723"
	case "CN":
		return "CN"
	case "telephone-event":
		return "telephone-event"
	case "opus":
		return "opus"
	case "AMR":
		return "AMR"
	case "AMR-WB":
		return "AMR-WB"
	case "iLBC":
		return "iLBC"
	case "speex":
		return "speex"
	case "G726-32":
		return "G726-32"
	case "H264":
		return "H264"
	case "VP8":
		return "VP8"
	case "red":
		return "red"
	}
	return string(b)
}
