// Package outcome holds the small leaf types every consumer of callsight
// shares: one call's outcome, its legs and the evidence behind it. The
// signaling correlator produces them, audio analysis refines them, and the
// output writers, the call controller API and the analytics store read them.
package outcome

import (
	"encoding/json"
	"time"
)

// Outcome is how a call ended.
type Outcome string

// The outcomes a call can have. Signaling alone yields every value except
// Human, Machine, Fax and Silence, which refine Answered once audio has been
// analysed.
const (
	Human       Outcome = "human"
	Machine     Outcome = "machine"
	SwitchedOff Outcome = "switched_off"
	Busy        Outcome = "busy"
	NoAnswer    Outcome = "no_answer"
	Unallocated Outcome = "unallocated"
	Rejected    Outcome = "rejected"
	Congestion  Outcome = "congestion"
	Fax         Outcome = "fax"
	Silence     Outcome = "silence"
	Answered    Outcome = "answered"
	Unknown     Outcome = "unknown"
)

// All lists every outcome in a fixed order, for reports and confusion
// matrices.
var All = []Outcome{Human, Machine, SwitchedOff, Busy, NoAnswer, Unallocated, Rejected, Congestion, Fax, Silence, Answered, Unknown}

// Valid reports whether o is one of the defined outcomes.
func (o Outcome) Valid() bool {
	for _, v := range All {
		if v == o {
			return true
		}
	}
	return false
}

// LegKind is the kind of one leg of a call.
type LegKind string

// The leg kinds: a plain SIP dialog, an ISUP circuit, a SIP dialog
// carrying ISUP bodies (SIP-I / SIP-T), or a SIPREC recording.
const (
	LegSIP  LegKind = "sip"
	LegISUP LegKind = "isup"
	LegSIPI LegKind = "sip-i"
	// LegSIPREC is a call known only from a SIPREC recording session: its
	// audio, without its signaling.
	LegSIPREC LegKind = "siprec"
)

// Leg is one signaling leg of a call with the keys that identify it.
type Leg struct {
	Kind   LegKind `json:"kind"`
	CallID string  `json:"call_id,omitempty"`
	OPC    *uint32 `json:"opc,omitempty"`
	DPC    *uint32 `json:"dpc,omitempty"`
	CIC    *uint16 `json:"cic,omitempty"`
	NI     *uint8  `json:"ni,omitempty"`
	// Media lists the RTP endpoints the leg's SDP offered and answered, for
	// binding audio to the call.
	Media []Media `json:"media,omitempty"`
}

// Media is one media endpoint announced in SDP.
type Media struct {
	// Side is "caller" for the offer's sender, "callee" for the answer's.
	Side string `json:"side"`
	// Addr is the RTP address and port.
	Addr string `json:"addr"`
	// Type is the SDP media type (audio, image...).
	Type string `json:"type"`
	// Formats are the payload formats with their encodings where known,
	// such as "8 PCMA/8000" or "101 telephone-event/8000".
	Formats []string `json:"formats"`
	// Ptime is the packetisation time in milliseconds, when given.
	Ptime int `json:"ptime,omitempty"`
}

// Source names the protocol or analysis a piece of evidence came from.
type Source string

// The evidence sources.
const (
	SrcISUP  Source = "isup"
	SrcSIP   Source = "sip"
	SrcSIPI  Source = "sip-i"
	SrcGTP   Source = "gtp"
	SrcM3UA  Source = "m3ua"
	SrcAudio Source = "audio"
	SrcRule  Source = "rule"
)

// Evidence is one thing seen about a call: when, from where, and what.
type Evidence struct {
	At     Time   `json:"at"`
	Source Source `json:"source"`
	What   string `json:"what"`
}

// Cause is a release cause with its provenance: where the value came from
// and, for a value derived from a SIP status, which mapping produced it.
type Cause struct {
	Value    uint8  `json:"value"`
	Name     string `json:"name"`
	Class    string `json:"class"`
	Location string `json:"location,omitempty"`
	Source   string `json:"source"`            // isup_rel, sip_reason, sip_i_body, sip_status
	Mapping  string `json:"mapping,omitempty"` // rfc3398 or q1912.5 when derived
	Status   int    `json:"sip_status,omitempty"`
	At       Time   `json:"at"`
}

// Call is one call's outcome and the evidence behind it. Times are capture
// times. It is the JSONL contract of `callsight replay`.
type Call struct {
	CallID  string  `json:"call_id"`
	Calling string  `json:"calling"`
	Called  string  `json:"called"`
	Start   Time    `json:"start"`
	Alert   *Time   `json:"alert"`
	Answer  *Time   `json:"answer"`
	End     *Time   `json:"end"`
	Outcome Outcome `json:"outcome"`
	// Q850 is the decisive release cause, raw when one was signaled, else
	// derived from the final SIP status.
	Q850 *uint8 `json:"q850"`
	// SIPStatus is the final SIP status of the INVITE, when there is one.
	SIPStatus *int `json:"sip_status"`
	// BeepEndMS and DecidedMS are filled by audio analysis.
	BeepEndMS *int64 `json:"beep_end_ms"`
	DecidedMS *int64 `json:"decided_ms"`
	// PostDialDelayMS is the delay from setup to the first alerting or
	// progress indication, when seen.
	PostDialDelayMS *int64 `json:"pdd_ms"`
	// DurationMS is the talk time from answer to end.
	DurationMS *int64 `json:"duration_ms"`
	// ReleasedBy is caller, callee or network, when a release was seen.
	ReleasedBy string  `json:"released_by,omitempty"`
	Cause      *Cause  `json:"cause,omitempty"`
	Causes     []Cause `json:"causes,omitempty"`
	Legs       []Leg   `json:"legs"`
	// Audio is what the callee's audio showed, null when the call had no
	// RTP bound to it.
	Audio    *Audio     `json:"audio"`
	Evidence []Evidence `json:"evidence"`
}

// Audio is the analysis of one call's audio (the callee's side) and the
// statistics of its RTP stream.
type Audio struct {
	Codec    string `json:"codec"`
	Analysed bool   `json:"analysed"` // false for codecs other than G.711
	// Class is the detector's verdict: human, machine, announcement, fax,
	// silence, busy, ringback or unknown.
	Class      string  `json:"class"`
	Confidence float64 `json:"confidence"`
	Reason     string  `json:"reason,omitempty"`
	// FirstClass, FirstReason and FirstMS (from answer, or from the start
	// of the audio when there was none) are the detector's first verdict
	// that was not provisional, the one `serve` reports live first, when
	// it differs from Class: what came after it changed the detector's
	// mind (a beep after a short greeting taken for a person, speech after
	// dead air), and serve reported Class as a revised verdict.
	FirstClass  string `json:"first_class,omitempty"`
	FirstReason string `json:"first_reason,omitempty"`
	FirstMS     *int64 `json:"first_ms,omitempty"`
	// BeepStartMS and GreetingEndMS are from answer, like BeepEndMS.
	BeepStartMS   *int64   `json:"beep_start_ms"`
	GreetingEndMS *int64   `json:"greeting_end_ms"`
	Packets       uint64   `json:"packets"`
	Lost          uint64   `json:"lost"`
	JitterMS      float64  `json:"jitter_ms"`
	SSRCs         int      `json:"ssrcs"`
	ConcealedMS   int64    `json:"concealed_ms"`
	DTMF          string   `json:"dtmf,omitempty"`
	Events        []string `json:"events,omitempty"`
	// Bound is "learned" when the stream was bound to the call from its
	// RTP flows, without SDP (rewritten by NAT, or not seen); empty when
	// the call's SDP bound it.
	Bound string `json:"bound,omitempty"`
}

// Time is a capture timestamp. It marshals to JSON as RFC 3339 in UTC
// with all nine fractional digits, so output is stable and sorts as text.
type Time struct{ time.Time }

// TimeLayout is the layout of every timestamp callsight writes.
const TimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// At returns t as a Time.
func At(t time.Time) Time { return Time{t} }

// Ptr returns a pointer to t as a Time, for optional fields.
func Ptr(t time.Time) *Time { return &Time{t} }

// MarshalJSON renders t as RFC 3339 with nanoseconds in UTC.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(TimeLayout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON parses an RFC 3339 timestamp.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}
