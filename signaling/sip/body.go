package sip

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"strings"
)

// maxMultipartDepth bounds nesting of multipart bodies inside multipart
// bodies.
const maxMultipartDepth = 3

// decodeBody sorts m.Body into SDP and ISUP bodies by Content-Type.
// Spec: RFC 3261 §7.4, RFC 5621 (message bodies in SIP), RFC 2046 §5.1
// (multipart), RFC 3204 (application/isup).
//
//	Content-Type: multipart/mixed;boundary=sonus-content-delim
//
//	--sonus-content-delim
//	Content-Type: application/sdp
//
//	v=0 ...
//	--sonus-content-delim
//	Content-Type: application/isup; version=ansi88; base=ansi88
//
//	<binary ISUP>
//	--sonus-content-delim--
func (m *Message) decodeBody() error {
	if len(m.Body) == 0 {
		return nil
	}
	typ, params := splitContentType(m.ContentType)
	if typ == "" && bytes.HasPrefix(m.Body, []byte("v=0")) {
		typ = "application/sdp" // some UAs omit Content-Type
	}
	if !hasPrefixFold(typ, "multipart/") {
		m.addPart(typ, params, m.Body)
		return nil
	}
	if err := m.readMultipart(m.Body, params, 0); err != nil {
		return err
	}
	for _, p := range m.parts {
		t, ps := splitContentType(p.contentType)
		m.addPart(t, ps, m.partBuf[p.start:p.end])
	}
	return nil
}

// addPart files one body (part) of media type typ.
func (m *Message) addPart(typ, params string, data []byte) {
	switch {
	case strings.EqualFold(typ, "application/sdp"):
		m.SDP = append(m.SDP, data)
	case strings.EqualFold(typ, "application/isup"):
		m.ISUP = append(m.ISUP, ISUPBody{
			Version: contentTypeParam(params, "version"),
			Base:    contentTypeParam(params, "base"),
			Data:    data,
		})
	}
}

// readMultipart copies the parts of a multipart body into m.partBuf and
// records them in m.parts, descending into nested multipart parts.
func (m *Message) readMultipart(body []byte, params string, depth int) error {
	boundary := contentTypeParam(params, "boundary")
	if boundary == "" {
		return fmt.Errorf("sip: multipart body without boundary: %w", ErrMalformed)
	}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sip: multipart body: %v: %w", err, ErrMalformed)
		}
		ct := p.Header.Get("Content-Type")
		start := len(m.partBuf)
		m.partBuf, err = readAllInto(m.partBuf, p)
		if err != nil {
			// A last part cut short (wrong Content-Length) still counts.
			m.parts = append(m.parts, partRef{ct, start, len(m.partBuf)})
			return fmt.Errorf("sip: multipart body: %v: %w", err, ErrTruncated)
		}
		typ, ps := splitContentType(ct)
		if hasPrefixFold(typ, "multipart/") && depth+1 < maxMultipartDepth {
			// The nested body sits in partBuf's current backing array; a
			// later append may move partBuf, never overwrite it.
			nested := m.partBuf[start:len(m.partBuf)]
			if err := m.readMultipart(nested, ps, depth+1); err != nil {
				return err
			}
			continue
		}
		m.parts = append(m.parts, partRef{ct, start, len(m.partBuf)})
	}
}

// readAllInto appends everything r yields to buf.
func readAllInto(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// splitContentType splits "type/subtype; params" into the trimmed media
// type and the parameter string after the first ';'.
func splitContentType(ct string) (typ, params string) {
	typ, params, _ = strings.Cut(ct, ";")
	return strings.TrimSpace(typ), params
}

// contentTypeParam returns the value of parameter key (case-insensitive) in
// a "; k=v; k2="v 2"" list, unquoted, or "". Spec: RFC 2045 §5.1.
func contentTypeParam(params, key string) string {
	for len(params) > 0 {
		var p string
		p, params = cutOutsideQuotes(params, ';')
		k, v, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), key) {
			continue
		}
		return unquote(strings.TrimSpace(v))
	}
	return ""
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
