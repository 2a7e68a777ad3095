// Package sip decodes SIP and SIP-I messages into the few fields a call
// correlator needs: dialog identifiers, numbers, CSeq/RSeq, Reason causes and
// the SDP and ISUP bodies. It wraps github.com/emiago/sipgo's parser, which
// lives here and nowhere else in callsight, and adds what sipgo lacks for
// captured traffic: LF-only line endings, missing or wrong Content-Length,
// multipart bodies (RFC 2046 via mime/multipart), Reason values (RFC 3326,
// RFC 6432) and a TCP stream Framer.
//
// It is a pure decoder: []byte in, values out, no I/O and no logging. ISUP
// bodies are handed out raw with their Content-Type parameters; decoding them
// is signaling/isup's job.
package sip

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	sipgo "github.com/emiago/sipgo/sip"
)

// Sentinel errors wrapped by every error this package returns.
var (
	// ErrMalformed reports a message that breaks the SIP grammar beyond
	// what the decoder tolerates.
	ErrMalformed = errors.New("sip: malformed message")
	// ErrTruncated reports a message that ends early: no blank line after
	// the headers, or a body shorter than its Content-Length.
	ErrTruncated = errors.New("sip: truncated message")
)

// Reason is one Reason header value. Spec: RFC 3326 §2, RFC 6432.
//
//	Reason: Q.850 ;cause=16 ;text="local", SIP;cause=600;text="Busy"
//	        protocol *(SEMI (cause=N / text=quoted-string / ext))
type Reason struct {
	// Protocol is "Q.850" or "SIP" (normalised from any case), else the
	// token as given.
	Protocol string
	// Cause is the cause value, 0 when absent or not a number.
	Cause int
	// Text is the unquoted, unescaped reason text, "" when absent.
	Text string
}

// ISUPBody is one application/isup body (RFC 3204) handed out raw.
type ISUPBody struct {
	// Version and Base are the Content-Type parameters ("itu-t92+",
	// "ansi88"...), "" when absent.
	Version, Base string
	// Data is the ISUP message, starting at its message type code.
	Data []byte
}

// Message is one decoded SIP request or response.
//
// Decode resets every field and reuses the capacity of the slices. Strings
// are copies (sipgo copies what it parses), so they stay valid after the
// input is reused. Body, SDP and ISUP Data alias the input passed to Decode,
// or m's internal buffer for multipart bodies: they are valid until the input
// is modified or m is decoded again.
type Message struct {
	// Request is true for requests, false for responses.
	Request bool
	// Method is the request method, or for a response the CSeq method.
	Method string
	// Status is the response status code, 0 for requests.
	Status int
	// ReasonPhrase is the response's reason phrase.
	ReasonPhrase string
	// RequestURIUser is the user part of the Request-URI (for tel: URIs the
	// telephone-subscriber, parameters included).
	RequestURIUser string

	// CallID is the Call-ID (compact form i).
	CallID string
	// FromTag and ToTag are the tag parameters of From and To.
	FromTag, ToTag string
	// Branch is the branch parameter of the top Via.
	Branch string
	// CSeq and CSeqMethod are the CSeq number and method.
	CSeq       uint32
	CSeqMethod string
	// RSeq is the RSeq of a reliable provisional response (RFC 3262), 0
	// when absent.
	RSeq uint32
	// Require100rel is true when a Require header lists 100rel.
	Require100rel bool

	// FromUser, ToUser and PAIUser are the user parts of From, To and the
	// first P-Asserted-Identity with one, as written (sip:/sips: user, or
	// the tel: number with its parameters). Use Digits for the number.
	FromUser, ToUser, PAIUser string

	// Reasons holds every Reason value, in order, from every Reason header.
	Reasons []Reason

	// ContentType is the Content-Type header value, parameters included.
	ContentType string
	// ContentLength is the Content-Length value, -1 when absent.
	ContentLength int
	// Body is the message body: ContentLength bytes after the headers, or
	// the rest of the input when Content-Length is absent or too large.
	Body []byte
	// SDP holds the application/sdp bodies, one per body part.
	SDP [][]byte
	// ISUP holds the application/isup bodies, one per body part.
	ISUP []ISUPBody

	// Forwarded is true when the message says the call was forwarded: a
	// 181, a Diversion, or an RFC 4458 cause in History-Info or the
	// Request-URI (forward.go). ForwardReason is why, as a Q.763 §3.45
	// redirecting reason (ForwardBusy, ForwardNoReply...).
	Forwarded     bool
	ForwardReason int

	// UserAgent and Server are the User-Agent and Server header values.
	UserAgent, Server string

	scratch []byte    // CRLF-normalised copy of the header section
	partBuf []byte    // multipart part contents
	parts   []partRef // multipart parts found, pointing into partBuf
}

type partRef struct {
	contentType string
	start, end  int
}

// parser is sipgo's parser limited to the headers this package reads as
// typed values; every other header stays a generic name/value pair.
var parser = sipgo.NewParser(sipgo.WithHeadersParsers(headerParsers()))

// headerParsers picks sipgo's typed parsers for the headers Decode uses and
// makes them lenient: a value sipgo rejects becomes a generic header, which
// Decode reports, instead of failing the whole message.
func headerParsers() map[string]sipgo.HeaderParser {
	d := sipgo.DefaultHeadersParser()
	m := make(map[string]sipgo.HeaderParser)
	for _, k := range typedNames {
		p := d[k]
		if p == nil {
			continue
		}
		m[k] = func(name []byte, text string) (sipgo.Header, error) {
			h, err := p(name, text)
			if err == nil {
				return h, nil
			}
			// sipgo's Via parser signals a comma-joined value with this
			// unexported error: the caller then continues after the comma.
			if err.Error() == "comma detected" {
				return h, err
			}
			return sipgo.NewHeader(string(name), text), nil
		}
	}
	return m
}

// Decode decodes one whole SIP message (start line, headers, body) into m.
// Spec: RFC 3261 §7 (message format), §7.3.3 (compact forms), §18.3
// (framing), §20 (header fields).
//
//	INVITE sip:bob@example.com SIP/2.0        SIP/2.0 180 Ringing
//	Via: SIP/2.0/UDP h;branch=z9hG4bK..       header: value
//	...                                       ...
//	Content-Length: 142                       (blank line)
//	(blank line)                              body
//	v=0 ...
//
// It tolerates LF-only line endings, compact header forms, any header name
// case, a missing Content-Length (the body is the rest of b, as over UDP) and
// a Content-Length that does not match. When the message breaks the grammar
// Decode returns an error wrapping ErrMalformed or ErrTruncated, and m still
// holds everything that could be decoded. Decode never panics.
func (m *Message) Decode(b []byte) (err error) {
	m.reset()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sip: parser panic (%v): %w", r, ErrMalformed)
		}
	}()
	if len(b) == 0 {
		return fmt.Errorf("sip: empty message: %w", ErrTruncated)
	}

	end, crlf, complete := headerEnd(b)
	var firstErr error
	note := func(e error) {
		if firstErr == nil {
			firstErr = e
		}
	}
	hdr := b[:end]
	if !crlf || !complete {
		m.scratch = normaliseCRLF(m.scratch[:0], hdr)
		if !complete {
			m.scratch = append(m.scratch, '\r', '\n')
			note(fmt.Errorf("sip: no blank line after the headers: %w", ErrTruncated))
		}
		hdr = m.scratch
	}

	msg, _, perr := parser.ParseHeaders(hdr, false)
	if msg == nil {
		if perr == nil {
			perr = errors.New("no start line")
		}
		return fmt.Errorf("sip: start line: %v: %w", perr, ErrMalformed)
	}
	if perr != nil {
		if perr == io.ErrUnexpectedEOF {
			note(fmt.Errorf("sip: headers: %w", ErrTruncated))
		} else {
			note(fmt.Errorf("sip: headers: %v: %w", perr, ErrMalformed))
		}
	}

	switch r := msg.(type) {
	case *sipgo.Request:
		m.Request = true
		m.Method = string(r.Method)
		m.RequestURIUser = uriUser(&r.Recipient)
		if c, ok := r.Recipient.UriParams.Get("cause"); ok {
			if fr, ok := forwardByCause(atoi(c)); ok {
				m.forward(fr) // an RFC 4458 voicemail URI
			}
		}
	case *sipgo.Response:
		m.Status = r.StatusCode
		m.ReasonPhrase = r.Reason
		if r.StatusCode == 181 {
			m.forward(ForwardUnknown) // Call Is Being Forwarded
		}
		if r.StatusCode < 100 || r.StatusCode > 699 {
			note(fmt.Errorf("sip: status code %d: %w", r.StatusCode, ErrMalformed))
		}
	}

	var hdrs []sipgo.Header
	if hs, ok := msg.(interface{ Headers() []sipgo.Header }); ok {
		hdrs = hs.Headers()
	}
	var sawVia, sawCallID, sawCSeq bool
	for _, h := range hdrs {
		switch h := h.(type) {
		case *sipgo.CallIDHeader:
			if !sawCallID {
				m.CallID, sawCallID = string(*h), true
			}
		case *sipgo.ViaHeader:
			if !sawVia {
				m.Branch, _ = h.Params.Get("branch")
				sawVia = true
			}
		case *sipgo.FromHeader:
			m.FromUser = uriUser(&h.Address)
			m.FromTag, _ = h.Params.Get("tag")
		case *sipgo.ToHeader:
			m.ToUser = uriUser(&h.Address)
			m.ToTag, _ = h.Params.Get("tag")
		case *sipgo.CSeqHeader:
			if !sawCSeq {
				m.CSeq, m.CSeqMethod, sawCSeq = h.SeqNo, string(h.MethodName), true
			}
		case *sipgo.ContentLengthHeader:
			if m.ContentLength < 0 {
				m.ContentLength = int(*h)
			}
		case *sipgo.ContentTypeHeader:
			if m.ContentType == "" {
				m.ContentType = string(*h)
			}
		default:
			if e := m.genericHeader(h.Name(), h.Value()); e != nil {
				note(e)
			}
		}
	}
	if !m.Request {
		m.Method = m.CSeqMethod
	}
	if !sawCallID {
		note(fmt.Errorf("sip: no Call-ID: %w", ErrMalformed))
	}
	if !sawCSeq {
		note(fmt.Errorf("sip: no CSeq: %w", ErrMalformed))
	}

	if complete {
		body := b[end:]
		if cl := m.ContentLength; cl >= 0 {
			if cl > len(body) {
				note(fmt.Errorf("sip: Content-Length %d but %d body bytes: %w", cl, len(body), ErrTruncated))
			} else {
				body = body[:cl]
			}
		}
		m.Body = body
		if e := m.decodeBody(); e != nil {
			note(e)
		}
	}
	return firstErr
}

func (m *Message) reset() {
	*m = Message{
		ContentLength: -1,
		Reasons:       m.Reasons[:0],
		SDP:           m.SDP[:0],
		ISUP:          m.ISUP[:0],
		scratch:       m.scratch[:0],
		partBuf:       m.partBuf[:0],
		parts:         m.parts[:0],
	}
}

// genericHeader reads the headers sipgo keeps as name/value pairs. A typed
// header (From, CSeq...) arriving here means sipgo rejected its value.
func (m *Message) genericHeader(name, value string) error {
	switch {
	case strings.EqualFold(name, "reason"):
		m.Reasons = appendReasons(m.Reasons, value)
	case strings.EqualFold(name, "p-asserted-identity"):
		if m.PAIUser == "" {
			m.PAIUser = firstAddressUser(value)
		}
	case strings.EqualFold(name, "diversion"):
		m.diversion(value)
	case strings.EqualFold(name, "history-info"):
		m.historyInfo(value)
	case strings.EqualFold(name, "rseq"):
		n, err := strconv.ParseUint(strings.TrimSpace(value), 10, 32)
		if err != nil {
			return fmt.Errorf("sip: RSeq %q: %w", value, ErrMalformed)
		}
		m.RSeq = uint32(n)
	case strings.EqualFold(name, "require"):
		if hasToken(value, "100rel") {
			m.Require100rel = true
		}
	case strings.EqualFold(name, "user-agent"):
		m.UserAgent = value
	case strings.EqualFold(name, "server"):
		m.Server = value
	case isTyped(name):
		return fmt.Errorf("sip: %s header %q: %w", name, value, ErrMalformed)
	}
	return nil
}

// isTyped reports whether name is one of the headers given to sipgo's
// typed parsers (the lenient wrapper turned a rejected one into a generic).
func isTyped(name string) bool {
	for _, t := range typedNames {
		if len(t) == len(name) && strings.EqualFold(t, name) {
			return true
		}
	}
	return false
}

var typedNames = [...]string{"call-id", "i", "cseq", "via", "v", "from", "f", "to", "t",
	"content-length", "l", "content-type", "c"}

// uriUser returns the user part of a SIP or SIPS URI, or the
// scheme-specific part of any other URI (tel:+1555;phone-context=...).
func uriUser(u *sipgo.Uri) string {
	if u.Scheme == "sip" || u.Scheme == "sips" {
		return u.User
	}
	return u.Raw()
}

// firstAddressUser returns the user of the first name-addr in a
// comma-separated list (P-Asserted-Identity, RFC 3325 §9.1) that has one.
func firstAddressUser(v string) string {
	for len(v) > 0 {
		var one string
		one, v = cutList(v)
		one = strings.TrimSpace(one)
		if one == "" {
			continue
		}
		var u sipgo.Uri
		if _, err := sipgo.ParseAddressValue(one, &u, nil); err != nil {
			continue
		}
		if user := uriUser(&u); user != "" {
			return user
		}
	}
	return ""
}

// cutList cuts v at the first comma outside quotes and angle brackets.
func cutList(v string) (first, rest string) { return cutOutside(v, ',', true) }

// hasToken reports whether the comma-separated token list v holds tok
// (case-insensitive).
func hasToken(v, tok string) bool {
	for len(v) > 0 {
		var t string
		t, v, _ = strings.Cut(v, ",")
		if strings.EqualFold(strings.TrimSpace(t), tok) {
			return true
		}
	}
	return false
}

// headerEnd returns the offset just past the blank line that ends the
// header section, whether every line ended in CRLF, and whether the blank
// line was found (if not, end is len(b)).
func headerEnd(b []byte) (end int, crlf, complete bool) {
	crlf = true
	pos := 0
	for pos < len(b) {
		i := bytes.IndexByte(b[pos:], '\n')
		if i < 0 {
			return len(b), false, false
		}
		line := b[pos : pos+i]
		if i == 0 || line[i-1] != '\r' {
			crlf = false
		}
		if i == 0 || (i == 1 && line[0] == '\r') {
			return pos + i + 1, crlf, true
		}
		pos += i + 1
	}
	return len(b), crlf, false
}

// normaliseCRLF appends src to dst with every bare LF turned into CRLF.
func normaliseCRLF(dst, src []byte) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			return append(dst, src...)
		}
		if i > 0 && src[i-1] == '\r' {
			dst = append(dst, src[:i+1]...)
		} else {
			dst = append(dst, src[:i]...)
			dst = append(dst, '\r', '\n')
		}
		src = src[i+1:]
	}
	return dst
}
