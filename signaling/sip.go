package signaling

import (
	"strconv"
	"strings"
	"time"

	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/signaling/isup"
	"github.com/callsight/callsight/signaling/sdp"
	"github.com/callsight/callsight/signaling/sip"
)

// SIP feeds one SIP message, the ISUP messages decoded from its
// application/isup bodies (SIP-I / SIP-T) and the SDP sessions decoded from
// its application/sdp bodies, in body order. None is kept after the call
// returns.
func (c *Correlator) SIP(at time.Time, m *sip.Message, bodies []*isup.Message, sdps []*sdp.Session) {
	c.touch(at)
	if m.CallID == "" {
		return
	}
	l := c.dialogs[m.CallID]
	invite := m.Request && m.Method == "INVITE"
	if l != nil && l.done && invite && m.ToTag == "" && m.CSeq > l.sipInviteCSeq && (l.sipStatus == 401 || l.sipStatus == 407) && l.call != nil {
		// The caller answers an authentication challenge with a new INVITE
		// in the same Call-ID: the call goes on.
		l.addEvidence(at, outcome.SrcSIP, "INVITE with credentials after %d", l.sipStatus)
		l.done, l.end, l.sipStatus, l.releasedBy = false, time.Time{}, 0, ""
		l.sipInviteCSeq = m.CSeq
		l.lastSeen = at
		return
	}
	if l == nil || (l.done && invite && m.ToTag == "" && m.CSeq != l.sipInviteCSeq) {
		if l != nil && l.done {
			// A new INVITE reusing a finished Call-ID is a new call.
			delete(c.dialogs, m.CallID)
		}
		switch {
		case invite && m.ToTag == "":
			l = c.newSIPLeg(at, m, false)
		case invite, m.Request && (m.Method == "BYE" || m.Method == "CANCEL"),
			!m.Request && m.CSeqMethod == "INVITE":
			l = c.newSIPLeg(at, m, true)
		default:
			return // not a call: REGISTER, OPTIONS, SUBSCRIBE, MESSAGE...
		}
		c.dialogs[m.CallID] = l
		c.stats.SIPDialogs++
		if len(bodies) > 0 {
			c.sipIBodies(at, l, m, bodies)
		}
		if !c.stitch(l) {
			c.newCall(l)
		}
		c.indexCalled(l)
		if l.midCall {
			c.sipEvent(at, l, m, nil)
		}
		c.sdpMedia(l, m, sdps)
		return
	}
	l.lastSeen = at
	c.sipEvent(at, l, m, bodies)
	c.sdpMedia(l, m, sdps)
}

// sdpMedia records the media endpoints of SDP bodies on the leg: the side
// that sent them (an offer from the caller, an answer from the callee) and
// each stream's address and formats.
func (c *Correlator) sdpMedia(l *leg, m *sip.Message, sdps []*sdp.Session) {
	side := "callee"
	if m.Request && (l.callerTag == "" || m.FromTag == l.callerTag) || !m.Request && l.callerTag != "" && m.FromTag != l.callerTag {
		side = "caller"
	}
	for _, s := range sdps {
		for _, md := range s.Media {
			addr := md.Addr(s)
			if !addr.IsValid() || md.Port == 0 || len(l.media) >= maxMedia {
				continue
			}
			a := addr.String()
			dup := false
			for _, x := range l.media {
				dup = dup || (x.Addr == a && x.Side == side)
			}
			if dup {
				continue
			}
			om := outcome.Media{Side: side, Addr: a, Type: md.Type, Ptime: md.Ptime, Formats: make([]string, 0, len(md.Formats))}
			for _, f := range md.Formats {
				if pt, err := strconv.ParseUint(f, 10, 8); err == nil {
					if enc, rate := md.Encoding(uint8(pt)); enc != "" {
						f += " " + enc + "/" + strconv.Itoa(rate)
					}
				}
				om.Formats = append(om.Formats, f)
			}
			l.media = append(l.media, om)
		}
	}
}

func (c *Correlator) newSIPLeg(at time.Time, m *sip.Message, midCall bool) *leg {
	l := &leg{
		kind:     outcome.LegSIP,
		callID:   m.CallID,
		start:    at,
		lastSeen: at,
		midCall:  midCall,
	}
	called := m.RequestURIUser
	if called == "" || !m.Request || m.Method != "INVITE" {
		called = m.ToUser
	}
	calling := m.FromUser
	if sip.Digits(calling) == "" {
		calling = m.PAIUser
	}
	l.called = sip.Digits(called)
	l.calling = sip.Digits(calling)
	l.normCalled = l.called
	if midCall {
		l.addEvidence(at, outcome.SrcSIP, "%s with no initial INVITE seen: capture started mid-call", sipName(m))
		if m.Request && m.Method != "CANCEL" || !m.Request && m.Status >= 200 && m.Status < 300 {
			// An in-dialog request or a re-INVITE means the call was up.
			l.setAnswer(at)
		}
		if m.Request {
			l.callerTag = m.FromTag
		}
		return l
	}
	l.sipInviteCSeq = m.CSeq
	l.callerTag = m.FromTag
	l.addEvidence(at, outcome.SrcSIP, "INVITE from %s to %s", l.calling, l.called)
	return l
}

func sipName(m *sip.Message) string {
	if m.Request {
		return m.Method
	}
	return itoa(m.Status) + " " + m.CSeqMethod
}

// sipEvent applies one SIP message to its dialog.
func (c *Correlator) sipEvent(at time.Time, l *leg, m *sip.Message, bodies []*isup.Message) {
	fromCaller := l.callerTag == "" || m.FromTag == l.callerTag
	if m.Request {
		switch m.Method {
		case "CANCEL":
			if l.answer.IsZero() && !l.cancelled {
				l.cancelled = true
				l.releasedBy = "caller"
				l.addEvidence(at, outcome.SrcSIP, "CANCEL")
				c.reasons(at, l, m)
			}
		case "BYE":
			if !l.done {
				if l.releasedBy == "" {
					if fromCaller {
						l.releasedBy = "caller"
					} else {
						l.releasedBy = "callee"
					}
				}
				l.addEvidence(at, outcome.SrcSIP, "BYE from %s", map[bool]string{true: "caller", false: "callee"}[fromCaller])
				c.reasons(at, l, m)
				if len(bodies) > 0 {
					c.sipIBodies(at, l, m, bodies)
				}
				l.finish(at)
			}
		case "INVITE":
			if m.ToTag != "" && !l.answer.IsZero() {
				l.addEvidence(at, outcome.SrcSIP, "re-INVITE")
			}
		}
		return
	}
	if m.CSeqMethod != "INVITE" || (l.sipInviteCSeq != 0 && m.CSeq != l.sipInviteCSeq) {
		return // responses to PRACK, UPDATE, BYE, CANCEL or a re-INVITE
	}
	if len(bodies) > 0 {
		c.sipIBodies(at, l, m, bodies)
	}
	switch s := m.Status; {
	case s == 180:
		if l.alert.IsZero() {
			l.addEvidence(at, outcome.SrcSIP, "180 Ringing")
		}
		l.setAlert(at)
	case s > 100 && s < 200:
		if l.progress.IsZero() {
			l.addEvidence(at, outcome.SrcSIP, "%d %s", s, m.ReasonPhrase)
		}
		l.setProgress(at)
	case s >= 200 && s < 300:
		if l.answer.IsZero() {
			l.addEvidence(at, outcome.SrcSIP, "%d answer", s)
			if l.cancelled {
				l.addEvidence(at, outcome.SrcSIP, "200 OK crossed the CANCEL: answered")
				l.cancelled = false
				l.releasedBy = ""
			}
			l.sipStatus = s
		}
		l.setAnswer(at)
	case s >= 300:
		if l.answer.IsZero() && l.sipStatus == 0 {
			l.sipStatus = s
			l.addEvidence(at, outcome.SrcSIP, "final %d %s", s, m.ReasonPhrase)
			c.reasons(at, l, m)
			if l.releasedBy == "" {
				switch s {
				case 486, 600, 603, 480:
					l.releasedBy = "callee"
				default:
					l.releasedBy = "network"
				}
			}
			l.finish(at)
		}
	}
}

// reasons records the Q.850 causes of the Reason headers of m.
func (c *Correlator) reasons(at time.Time, l *leg, m *sip.Message) {
	for _, r := range m.Reasons {
		if strings.EqualFold(r.Protocol, "Q.850") && r.Cause >= 0 && r.Cause <= 127 {
			l.causes = append(l.causes, rawCause{value: uint8(r.Cause), src: srcSIPReason, at: at})
			l.addEvidence(at, outcome.SrcSIP, "Reason Q.850 cause %d", r.Cause)
		} else {
			l.addEvidence(at, outcome.SrcSIP, "Reason %s cause %d", r.Protocol, r.Cause)
		}
	}
}

// sipIBodies applies ISUP bodies carried in SIP (SIP-I / SIP-T): the leg
// becomes a sip-i leg, and the IAM body gives the identity used to stitch it
// with its ISUP leg.
func (c *Correlator) sipIBodies(at time.Time, l *leg, m *sip.Message, bodies []*isup.Message) {
	l.kind = outcome.LegSIPI
	fromCaller := m.Request && (l.callerTag == "" || m.FromTag == l.callerTag)
	for _, b := range bodies {
		if b.Type == isup.IAM {
			called, calling := "", ""
			if b.HasCalled {
				called = digits(b.Called.String())
				if l.normCalled == "" {
					l.normCalled = normISUP(called, b.Called.NAI)
				}
			}
			if b.HasCalling {
				calling = digits(b.Calling.String())
			}
			l.sipIIdentity = identity(called, calling)
			l.addEvidence(at, outcome.SrcSIPI, "IAM body called=%s calling=%s", called, calling)
			c.redirection(at, l, b, outcome.SrcSIPI)
			continue
		}
		c.isupCallEvent(at, l, b, fromCaller, outcome.SrcSIPI, srcSIPIBody)
	}
}
