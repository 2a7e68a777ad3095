package signaling

import (
	"fmt"
	"time"

	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/signaling/cause"
)

// causeSource says where a release cause came from; the order is the
// priority when a call has several.
type causeSource uint8

const (
	srcNone causeSource = iota
	srcSIPStatus
	srcSIPReason
	srcSIPIBody
	srcISUPRel
)

func (s causeSource) String() string {
	switch s {
	case srcISUPRel:
		return "isup_rel"
	case srcSIPIBody:
		return "sip_i_body"
	case srcSIPReason:
		return "sip_reason"
	case srcSIPStatus:
		return "sip_status"
	}
	return "none"
}

// rawCause is one release cause seen on a leg.
type rawCause struct {
	value    uint8
	location uint8
	hasLoc   bool
	src      causeSource
	mapping  cause.Profile
	status   int
	at       time.Time
}

// leg is one leg of a call while it is being built: a SIP dialog or an ISUP
// circuit seizure. Both kinds share the fields the outcome rules read.
type leg struct {
	kind outcome.LegKind

	// Keys.
	callID        string
	opc, dpc      uint32
	cic           uint16
	ni            uint8
	hasCircuit    bool
	sipIIdentity  string // called|calling of a SIP-I IAM body
	normCalled    string // called digits normalised for stitching
	calling       string
	called        string
	start         time.Time
	alert         time.Time // first alerting
	progress      time.Time // first progress of any kind (for post-dial delay)
	answer        time.Time
	end           time.Time
	lastSeen      time.Time
	releasedBy    string
	sipStatus     int
	notReachable  bool // redirection reason "mobile subscriber not reachable"
	cancelled     bool // the caller gave up (CANCEL)
	done          bool
	midCall       bool // capture started after the setup
	causes        []rawCause
	evidence      []outcome.Evidence
	call          *call
	sipInviteCSeq uint32
	callerTag     string
	media         []outcome.Media
}

// maxMedia bounds the media endpoints kept per leg.
const maxMedia = 8

func (l *leg) addEvidence(at time.Time, src outcome.Source, format string, args ...any) {
	if len(l.evidence) >= maxEvidence {
		return
	}
	l.evidence = append(l.evidence, outcome.Evidence{At: outcome.At(at), Source: src, What: fmt.Sprintf(format, args...)})
}

// maxEvidence bounds the evidence kept per leg, so a hostile or endless
// dialog cannot grow without bound.
const maxEvidence = 64

func (l *leg) setAlert(at time.Time) {
	if l.alert.IsZero() {
		l.alert = at
	}
	l.setProgress(at)
}

func (l *leg) setProgress(at time.Time) {
	if l.progress.IsZero() {
		l.progress = at
	}
}

func (l *leg) setAnswer(at time.Time) {
	if l.answer.IsZero() {
		l.answer = at
	}
	l.setProgress(at)
}

func (l *leg) finish(at time.Time) {
	if !l.done {
		l.done = true
		l.end = at
	}
}

func (l *leg) outLeg() outcome.Leg {
	o := outcome.Leg{Kind: l.kind, CallID: l.callID, Media: l.media}
	if l.hasCircuit {
		opc, dpc, cic, ni := l.opc, l.dpc, l.cic, l.ni
		o.OPC, o.DPC, o.CIC, o.NI = &opc, &dpc, &cic, &ni
	}
	return o
}

// call groups the legs of one call.
type call struct {
	legs  []*leg
	start time.Time
	seq   uint64 // creation order, for a stable sort
}

func (c *call) done() bool {
	for _, l := range c.legs {
		if !l.done {
			return false
		}
	}
	return true
}

func (c *call) lastSeen() time.Time {
	var t time.Time
	for _, l := range c.legs {
		if l.lastSeen.After(t) {
			t = l.lastSeen
		}
	}
	return t
}
