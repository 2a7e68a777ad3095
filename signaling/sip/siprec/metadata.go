// Package siprec is a SIPREC recording server (RFC 7866) built on sipgo:
// it accepts recording sessions from a session recording client (an SBC,
// a PBX), reads their recording metadata (RFC 7865), receives the forked
// media of both directions on UDP ports of a configured range, and hands
// each RTP packet and each session's description to callbacks, so the
// engine can bind the media to the original call.
package siprec

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"
)

// Sentinel errors. Check them with errors.Is.
var (
	// ErrMalformed says a body could not be parsed.
	ErrMalformed = errors.New("malformed")
	// ErrNoMetadata says an INVITE carried no rs-metadata part.
	ErrNoMetadata = errors.New("no recording metadata")
)

// Participant is one party of the recorded call. Spec: RFC 7865 §6.5.
type Participant struct {
	ID   string // participant_id
	AOR  string // nameID aor, e.g. "sip:+33123456789@example.com" or "tel:+33..."
	Name string // display name, when given
	// Number is the user part of AOR without the scheme: the digits the
	// engine matches against the call's calling or called number.
	Number string
	// Send and Recv are the stream ids this participant sends and
	// receives (participantstreamassoc).
	Send, Recv []string
}

// Stream is one recorded media stream. Spec: RFC 7865 §6.7.
type Stream struct {
	ID    string // stream_id
	Label string // label: the SDP a=label of its m-line (RFC 4574)
}

// Metadata is the part of a recording metadata document callsight uses.
type Metadata struct {
	// SessionIDs are the recorded communication session's ids:
	// <sipSessionID> values (RFC 7989 Session-ID) of every <session>.
	SessionIDs []string
	// CallIDs are the original call's SIP Call-IDs found in extension
	// data (any element named callid, call-id or call_id, as SBCs add
	// them; RFC 7865 defines none).
	CallIDs      []string
	Participants []Participant
	Streams      []Stream
}

// xmlNode is a generic XML element, for walking extension data.
type xmlNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []xmlNode  `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n *xmlNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *xmlNode) child(name string) *xmlNode {
	for i := range n.Nodes {
		if strings.EqualFold(n.Nodes[i].XMLName.Local, name) {
			return &n.Nodes[i]
		}
	}
	return nil
}

// ParseMetadata parses a recording metadata document
// (application/rs-metadata+xml, RFC 7865 §6).
//
//	<recording xmlns='urn:ietf:params:xml:ns:recording:1'>
//	  <session session_id="..."><sipSessionID>...</sipSessionID></session>
//	  <participant participant_id="P1"><nameID aor="sip:alice@a"/></participant>
//	  <stream stream_id="S1" session_id="..."><label>1</label></stream>
//	  <participantstreamassoc participant_id="P1"><send>S1</send><recv>S2</recv></participantstreamassoc>
//	</recording>
func ParseMetadata(b []byte) (*Metadata, error) {
	var root xmlNode
	if err := xml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("siprec: metadata: %v: %w", err, ErrMalformed)
	}
	if root.XMLName.Local != "recording" {
		return nil, fmt.Errorf("siprec: metadata: root element %q, want recording: %w", root.XMLName.Local, ErrMalformed)
	}
	m := &Metadata{}
	byID := map[string]int{}
	for i := range root.Nodes {
		n := &root.Nodes[i]
		switch n.XMLName.Local {
		case "session":
			for _, c := range n.Nodes {
				if c.XMLName.Local == "sipSessionID" {
					m.SessionIDs = append(m.SessionIDs, strings.TrimSpace(c.Text))
				}
			}
		case "participant":
			p := Participant{ID: n.attr("participant_id")}
			if id := n.child("nameID"); id != nil {
				p.AOR = id.attr("aor")
				if nm := id.child("name"); nm != nil {
					p.Name = strings.TrimSpace(nm.Text)
				}
			} else if aor := n.child("aor"); aor != nil { // the 2011 drafts' form
				p.AOR = strings.TrimSpace(aor.Text)
			}
			p.Number = aorNumber(p.AOR)
			byID[p.ID] = len(m.Participants)
			m.Participants = append(m.Participants, p)
		case "stream":
			s := Stream{ID: n.attr("stream_id")}
			if l := n.child("label"); l != nil {
				s.Label = strings.TrimSpace(l.Text)
			}
			m.Streams = append(m.Streams, s)
		}
	}
	for i := range root.Nodes {
		n := &root.Nodes[i]
		if n.XMLName.Local != "participantstreamassoc" {
			continue
		}
		k, ok := byID[n.attr("participant_id")]
		if !ok {
			continue
		}
		for _, c := range n.Nodes {
			switch c.XMLName.Local {
			case "send":
				m.Participants[k].Send = append(m.Participants[k].Send, strings.TrimSpace(c.Text))
			case "recv":
				m.Participants[k].Recv = append(m.Participants[k].Recv, strings.TrimSpace(c.Text))
			}
		}
	}
	var walk func(n *xmlNode, depth int)
	walk = func(n *xmlNode, depth int) {
		if depth > 32 {
			return
		}
		switch strings.ToLower(n.XMLName.Local) {
		case "callid", "call-id", "call_id":
			if v := strings.TrimSpace(n.Text); v != "" {
				m.CallIDs = append(m.CallIDs, v)
			}
		}
		for i := range n.Nodes {
			walk(&n.Nodes[i], depth+1)
		}
	}
	walk(&root, 0)
	return m, nil
}

// aorNumber returns the user part of a sip:, sips: or tel: URI, without
// parameters: "sip:+331234@x;user=phone" gives "+331234".
func aorNumber(aor string) string {
	s := strings.TrimSpace(aor)
	for _, p := range []string{"sip:", "sips:", "tel:"} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			s = s[len(p):]
			break
		}
	}
	if i := strings.IndexAny(s, "@;?>"); i >= 0 {
		s = s[:i]
	}
	return s
}

// SplitBody returns the SDP and the metadata of an INVITE body, from a
// multipart/mixed body (RFC 7866 §6.1.1) or a lone SDP (a re-INVITE that
// changes only the media).
func SplitBody(contentType string, body []byte) (sdp, metadata []byte, err error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, nil, fmt.Errorf("siprec: content type %q: %v: %w", contentType, err, ErrMalformed)
	}
	switch mt {
	case "application/sdp":
		return body, nil, nil
	case "application/rs-metadata+xml":
		return nil, body, nil
	case "multipart/mixed", "multipart/related", "multipart/alternative":
	default:
		return nil, nil, fmt.Errorf("siprec: content type %q: %w", mt, ErrMalformed)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("siprec: multipart body: %v: %w", err, ErrMalformed)
		}
		data, err := io.ReadAll(io.LimitReader(part, 1<<20))
		if err != nil {
			return nil, nil, fmt.Errorf("siprec: multipart body: %v: %w", err, ErrMalformed)
		}
		pt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch pt {
		case "application/sdp":
			sdp = data
		case "application/rs-metadata+xml", "application/rs-metadata":
			metadata = data
		}
	}
	return sdp, metadata, nil
}
