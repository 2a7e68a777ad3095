package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/signaling/sdp"
	"github.com/callsight/callsight/signaling/sip"
)

// t38Switch notes a mid-call switch to T.38 fax relay: an in-dialog INVITE
// (or its answer) whose SDP offers an enabled image stream over UDPTL,
// "m=image PORT udptl t38" (ITU-T T.38 Annex D). Gateways send it when
// they hear fax tones on the line, so it is the network's own fax
// verdict, known even when the audio carried too little of the handshake
// (the CED is cut short by the switch, or the gateway suppresses silence).
// An initial INVITE that merely offers T.38 beside audio says nothing.
func (e *Engine) t38Switch(p *capture.Payload, m *sip.Message, a *audioLeg, sessions []*sdp.Session) {
	if !a.t38.IsZero() || m.CSeqMethod != "INVITE" && m.Method != "INVITE" {
		return
	}
	inDialog := m.Request && m.ToTag != "" || !m.Request && !a.answer.IsZero() && p.Time.After(a.answer)
	if !inDialog {
		return
	}
	for _, s := range sessions {
		for _, md := range s.Media {
			if md.Type == "image" && md.Port != 0 && strings.EqualFold(md.Proto, "udptl") {
				a.t38 = p.Time
				what := "in-dialog INVITE offers T.38 fax relay (m=image udptl t38)"
				if !m.Request {
					what = fmt.Sprintf("%d to an in-dialog INVITE accepts T.38 fax relay (m=image udptl t38)", m.Status)
				}
				a.t38What = what
				if e.cfg.OnVerdict != nil && a.faxed.CompareAndSwap(false, true) {
					// Live: the controller hears "fax" now, not when the
					// call ends.
					var d int64
					if !a.answer.IsZero() {
						d = max(0, p.Time.Sub(a.answer).Milliseconds())
					}
					e.cfg.OnVerdict(VerdictEvent{Kind: "verdict", CallID: a.callID, Called: a.called, Calling: a.calling,
						At: p.Time, Class: "fax", Confidence: 0.99, Reason: "t38 switch", Answer: a.answer, MS: d})
				}
				return
			}
		}
	}
}

// fuseT38 makes an answered call whose endpoints switched to T.38 a fax,
// whatever the audio suggested before the switch.
func fuseT38(c *outcome.Call, a *audioLeg) {
	if a.t38.IsZero() {
		return
	}
	switch c.Outcome {
	case outcome.Answered, outcome.Human, outcome.Machine, outcome.Silence:
	default:
		return
	}
	before := c.Outcome
	c.Outcome = outcome.Fax
	c.BeepEndMS = nil
	if c.Answer != nil {
		d := a.t38.Sub(c.Answer.Time)
		c.DecidedMS = ms(max(d, time.Duration(0)))
	}
	c.Evidence = append(c.Evidence, outcome.Evidence{At: outcome.At(a.t38), Source: outcome.SrcSIP,
		What: fmt.Sprintf("%s: %s -> fax", a.t38What, before)})
}
