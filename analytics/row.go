package analytics

import (
	"strings"
	"time"

	"github.com/callsight/callsight/outcome"
)

// Labels are the per-call labels that are not in the signaling: who the
// call was made for and in which dialing campaign.
type Labels struct {
	Tenant   string `json:"tenant,omitempty"`
	Campaign string `json:"campaign,omitempty"`
}

// MediaStats are a call's media statistics, filled by audio analysis.
type MediaStats struct {
	Codec     string   `json:"codec,omitempty"`
	Packets   *uint32  `json:"packets,omitempty"`
	LossPct   *float32 `json:"loss_pct,omitempty"`
	JitterMS  *float32 `json:"jitter_ms,omitempty"`
	AMDClass  string   `json:"amd_class,omitempty"`
	AMDConfid *float32 `json:"amd_confidence,omitempty"`
}

// CallRow is one row of the calls table (and its legs): an outcome.Call
// flattened, with its labels and media statistics.
type CallRow struct {
	CallID         string         `json:"call_id"`
	Tenant         string         `json:"tenant"`
	Campaign       string         `json:"campaign"`
	Calling        string         `json:"calling"`
	Called         string         `json:"called"`
	StartTime      outcome.Time   `json:"start_time"`
	AlertTime      *outcome.Time  `json:"alert_time"`
	AnswerTime     *outcome.Time  `json:"answer_time"`
	EndTime        *outcome.Time  `json:"end_time"`
	Outcome        string         `json:"outcome"`
	Q850           *uint8         `json:"q850"`
	SIPStatus      *uint16        `json:"sip_status"`
	PDDMS          *int64         `json:"pdd_ms"`
	DurationMS     *int64         `json:"duration_ms"`
	ReleasedBy     string         `json:"released_by"`
	CauseName      string         `json:"cause_name"`
	CauseClass     string         `json:"cause_class"`
	CauseLocation  string         `json:"cause_location"`
	CauseSource    string         `json:"cause_source"`
	MappingProfile string         `json:"mapping_profile"`
	ISUPCause      *uint8         `json:"isup_cause"`
	SIPICause      *uint8         `json:"sipi_cause"`
	ReasonCause    *uint8         `json:"reason_cause"`
	CausesValue    []uint16       `json:"causes_value"`
	CausesSource   []string       `json:"causes_source"`
	LegKinds       []string       `json:"leg_kinds"`
	OPC            uint32         `json:"opc"`
	DPC            uint32         `json:"dpc"`
	CIC            uint16         `json:"cic"`
	NI             uint8          `json:"ni"`
	Trunk          string         `json:"trunk"`
	Codec          string         `json:"codec"`
	MediaPackets   *uint32        `json:"media_packets"`
	MediaLossPct   *float32       `json:"media_loss_pct"`
	MediaJitterMS  *float32       `json:"media_jitter_ms"`
	AMDClass       string         `json:"amd_class"`
	AMDConfidence  *float32       `json:"amd_confidence"`
	BeepEndMS      *int64         `json:"beep_end_ms"`
	DecidedMS      *int64         `json:"decided_ms"`
	EvidenceAt     []outcome.Time `json:"evidence_at"`
	EvidenceSource []string       `json:"evidence_source"`
	EvidenceWhat   []string       `json:"evidence_what"`
	Legs           []LegRow       `json:"legs,omitempty"`
}

// LegRow is one row of the legs table.
type LegRow struct {
	Leg        uint8    `json:"leg"`
	Kind       string   `json:"kind"`
	SIPCallID  string   `json:"sip_call_id"`
	OPC        uint32   `json:"opc"`
	DPC        uint32   `json:"dpc"`
	CIC        uint16   `json:"cic"`
	NI         uint8    `json:"ni"`
	MediaSide  []string `json:"media_side"`
	MediaAddr  []string `json:"media_addr"`
	MediaType  []string `json:"media_type"`
	MediaCodec []string `json:"media_codec"`
}

// NewCallRow flattens c into a row with the given labels. The row shares
// no memory with c.
func NewCallRow(c *outcome.Call, l Labels, m MediaStats) CallRow {
	r := CallRow{
		CallID:        c.CallID,
		Tenant:        l.Tenant,
		Campaign:      l.Campaign,
		Calling:       c.Calling,
		Called:        c.Called,
		StartTime:     c.Start,
		AlertTime:     copyTime(c.Alert),
		AnswerTime:    copyTime(c.Answer),
		EndTime:       copyTime(c.End),
		Outcome:       string(c.Outcome),
		Q850:          copyPtr(c.Q850),
		PDDMS:         copyPtr(c.PostDialDelayMS),
		DurationMS:    copyPtr(c.DurationMS),
		ReleasedBy:    c.ReleasedBy,
		BeepEndMS:     copyPtr(c.BeepEndMS),
		DecidedMS:     copyPtr(c.DecidedMS),
		Codec:         m.Codec,
		MediaPackets:  copyPtr(m.Packets),
		MediaLossPct:  copyPtr(m.LossPct),
		MediaJitterMS: copyPtr(m.JitterMS),
		AMDClass:      m.AMDClass,
		AMDConfidence: copyPtr(m.AMDConfid),
	}
	if !c.Outcome.Valid() {
		r.Outcome = string(outcome.Unknown)
	}
	if c.SIPStatus != nil && *c.SIPStatus >= 0 && *c.SIPStatus <= 65535 {
		s := uint16(*c.SIPStatus)
		r.SIPStatus = &s
	}
	if c.Cause != nil {
		r.CauseName = c.Cause.Name
		r.CauseClass = c.Cause.Class
		r.CauseLocation = c.Cause.Location
		r.CauseSource = c.Cause.Source
		r.MappingProfile = c.Cause.Mapping
	}
	for i := range c.Causes {
		cs := &c.Causes[i]
		r.CausesValue = append(r.CausesValue, uint16(cs.Value))
		r.CausesSource = append(r.CausesSource, cs.Source)
		v := cs.Value
		switch cs.Source {
		case "isup_rel":
			if r.ISUPCause == nil {
				r.ISUPCause = &v
			}
		case "sip_i_body":
			if r.SIPICause == nil {
				r.SIPICause = &v
			}
		case "sip_reason":
			if r.ReasonCause == nil {
				r.ReasonCause = &v
			}
		}
		if r.MappingProfile == "" && cs.Mapping != "" {
			r.MappingProfile = cs.Mapping
		}
	}
	circuit := false
	for i := range c.Legs {
		lg := &c.Legs[i]
		r.LegKinds = append(r.LegKinds, string(lg.Kind))
		row := LegRow{Leg: uint8(i), Kind: string(lg.Kind), SIPCallID: lg.CallID}
		if lg.OPC != nil {
			row.OPC = *lg.OPC
		}
		if lg.DPC != nil {
			row.DPC = *lg.DPC
		}
		if lg.CIC != nil {
			row.CIC = *lg.CIC
		}
		if lg.NI != nil {
			row.NI = *lg.NI
		}
		if lg.Kind == outcome.LegISUP && !circuit {
			circuit = true
			r.OPC, r.DPC, r.CIC, r.NI = row.OPC, row.DPC, row.CIC, row.NI
		}
		for _, m := range lg.Media {
			row.MediaSide = append(row.MediaSide, m.Side)
			row.MediaAddr = append(row.MediaAddr, m.Addr)
			row.MediaType = append(row.MediaType, m.Type)
			codec := ""
			if len(m.Formats) > 0 {
				codec = m.Formats[0]
				if _, enc, ok := strings.Cut(codec, " "); ok {
					codec = enc
				}
			}
			row.MediaCodec = append(row.MediaCodec, codec)
			if r.Codec == "" && m.Type == "audio" && m.Side == "callee" {
				r.Codec = codec
			}
		}
		if r.Trunk == "" && lg.Kind != outcome.LegISUP && len(lg.Media) > 0 {
			r.Trunk = lg.Media[0].Addr
			if h, _, ok := strings.Cut(r.Trunk, ":"); ok && strings.Count(r.Trunk, ":") == 1 {
				r.Trunk = h
			}
		}
		r.Legs = append(r.Legs, row)
	}
	for _, e := range c.Evidence {
		r.EvidenceAt = append(r.EvidenceAt, e.At)
		r.EvidenceSource = append(r.EvidenceSource, string(e.Source))
		r.EvidenceWhat = append(r.EvidenceWhat, e.What)
	}
	return r
}

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func copyTime(p *outcome.Time) *outcome.Time { return copyPtr(p) }

// Event is one decoded signaling message: a line of `callsight replay
// --format events`, whose JSON it reads.
type Event struct {
	File       string       `json:"file"`
	Frame      uint64       `json:"frame"`
	TS         outcome.Time `json:"ts"`
	Proto      string       `json:"proto"`
	Code       uint16       `json:"code,omitempty"`
	Type       string       `json:"type,omitempty"`
	CIC        uint16       `json:"cic,omitempty"`
	OPC        uint32       `json:"opc,omitempty"`
	DPC        uint32       `json:"dpc,omitempty"`
	Range      uint8        `json:"range,omitempty"`
	Cause      *uint8       `json:"cause,omitempty"`
	Method     string       `json:"method,omitempty"`
	Status     uint16       `json:"status,omitempty"`
	CSeqMethod string       `json:"cseq_method,omitempty"`
	CallID     string       `json:"call_id,omitempty"`
	Reasons    []string     `json:"reasons,omitempty"`
	Network    bool         `json:"network,omitempty"`
	Carrier    string       `json:"carrier,omitempty"`
}

// networkM3UA are the M3UA management messages that go to network_events
// (everything but DATA).
func (e *Event) isNetwork() bool {
	if e.Network {
		return true
	}
	return e.Proto == "m3ua" && e.Type != "DATA"
}

func protoEnum(p string) string {
	switch p {
	case "isup", "sip", "m3ua", "gtpv1", "gtpv2":
		return p
	}
	return "other"
}

// chTime formats t the way ClickHouse parses a DateTime64(3) in text.
func chTime(b []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(b, "2006-01-02 15:04:05.000")
}
