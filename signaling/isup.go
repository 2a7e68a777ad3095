package signaling

import (
	"time"

	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/signaling/isup"
)

// circuitKey names one circuit independently of direction: the two point
// codes in order, the CIC and the network indicator.
type circuitKey struct {
	lo, hi uint32
	cic    uint16
	ni     uint8
}

func keyOf(opc, dpc uint32, cic uint16, ni uint8) circuitKey {
	if opc > dpc {
		opc, dpc = dpc, opc
	}
	return circuitKey{lo: opc, hi: dpc, cic: cic, ni: ni}
}

// Redirecting reason "mobile subscriber not reachable". Spec: ITU-T Q.763
// §3.45, redirecting reason, value 0110.
const reasonNotReachable = 6

// ISUP feeds one ISUP message carried between opc and dpc. The message is
// read during the call only; nothing keeps a reference to it.
func (c *Correlator) ISUP(at time.Time, opc, dpc uint32, ni uint8, m *isup.Message) {
	c.touch(at)
	if !m.HasCIC {
		return
	}
	if m.Type.CircuitSupervision() {
		c.stats.NetworkEvents++
		c.supervision(at, opc, dpc, ni, m)
		return
	}
	k := keyOf(opc, dpc, m.CIC, ni)
	l := c.circuits[k]
	if m.Type == isup.IAM {
		if l != nil && !l.done {
			l.addEvidence(at, outcome.SrcISUP, "new IAM on the circuit closed this call")
			l.finish(at)
			if l.releasedBy == "" {
				l.releasedBy = "network"
			}
		}
		l = c.newISUPLeg(at, opc, dpc, ni, m, false)
		c.circuits[k] = l
		c.stats.ISUPCircuits++
		if !c.stitch(l) {
			c.newCall(l)
		}
		c.indexCalled(l)
		return
	}
	if l == nil || l.done {
		switch m.Type {
		case isup.ACM, isup.CPG, isup.ANM, isup.CON, isup.REL, isup.SUS, isup.RES, isup.SAM:
			// The capture started after the IAM: keep the call, say so.
			// The side that sends these backward messages is the callee, so
			// the IAM went the other way.
			if m.Type == isup.REL && l != nil {
				return // a repeated REL of a finished call
			}
			o, d := dpc, opc
			if m.Type == isup.SAM {
				o, d = opc, dpc
			}
			l = c.newISUPLeg(at, o, d, ni, m, true)
			c.circuits[k] = l
			c.stats.ISUPCircuits++
			c.newCall(l)
		default:
			return
		}
	}
	l.lastSeen = at
	forward := opc == l.opc
	c.isupEvent(at, l, m, forward)
}

func (c *Correlator) newISUPLeg(at time.Time, opc, dpc uint32, ni uint8, m *isup.Message, midCall bool) *leg {
	l := &leg{
		kind:       outcome.LegISUP,
		opc:        opc,
		dpc:        dpc,
		cic:        m.CIC,
		ni:         ni,
		hasCircuit: true,
		start:      at,
		lastSeen:   at,
		midCall:    midCall,
	}
	if midCall {
		l.addEvidence(at, outcome.SrcISUP, "%s on circuit %s with no IAM seen: capture started mid-call", m.Type, l.describe())
		return l
	}
	if m.HasCalled {
		l.called = digits(m.Called.String())
		l.normCalled = normISUP(l.called, m.Called.NAI)
	}
	if m.HasCalling {
		l.calling = digits(m.Calling.String())
	}
	l.sipIIdentity = identity(l.called, l.calling)
	l.addEvidence(at, outcome.SrcISUP, "IAM cic=%d opc=%d dpc=%d called=%s calling=%s", m.CIC, opc, dpc, l.called, l.calling)
	c.redirection(at, l, m, outcome.SrcISUP)
	return l
}

// isupEvent applies one call-control message to a leg.
func (c *Correlator) isupEvent(at time.Time, l *leg, m *isup.Message, forward bool) {
	c.isupCallEvent(at, l, m, forward, outcome.SrcISUP, srcISUPRel)
}

// isupCallEvent is shared by ISUP circuits and SIP-I bodies: src says which
// one carried the message, relSrc how its release cause ranks.
func (c *Correlator) isupCallEvent(at time.Time, l *leg, m *isup.Message, forward bool, src outcome.Source, relSrc causeSource) {
	switch m.Type {
	case isup.SAM:
		if m.HasCalled {
			l.called += digits(m.Called.String())
		}
	case isup.ACM:
		what := "ACM"
		if m.HasBCI {
			switch m.BCI.CalledPartyStatus {
			case 1:
				what += " subscriber free"
				l.setAlert(at)
			case 2:
				what += " connect when free"
			default:
				what += " no indication"
			}
		}
		if m.HasOBCI && m.OBCI.InbandInfo {
			what += ", in-band information"
		}
		l.setProgress(at)
		l.addEvidence(at, src, "%s", what)
		c.redirection(at, l, m, src)
	case isup.CPG:
		if m.HasEvent {
			switch m.Event.Event {
			case 1:
				l.setAlert(at)
				l.addEvidence(at, src, "CPG alerting")
			case 2:
				l.setProgress(at)
				l.addEvidence(at, src, "CPG progress")
			case 3:
				l.setProgress(at)
				l.addEvidence(at, src, "CPG in-band information available")
			default:
				l.addEvidence(at, src, "CPG event %d", m.Event.Event)
			}
		}
		c.redirection(at, l, m, src)
	case isup.ANM, isup.CON:
		l.setAnswer(at)
		l.addEvidence(at, src, "%s answer", m.Type)
	case isup.REL:
		if m.HasCause {
			l.causes = append(l.causes, rawCause{value: m.Cause.Value, location: m.Cause.Location, hasLoc: true, src: relSrc, at: at})
			l.addEvidence(at, src, "REL cause %d", m.Cause.Value)
		} else {
			l.addEvidence(at, src, "REL without cause")
		}
		if l.releasedBy == "" {
			switch {
			case forward:
				l.releasedBy = "caller"
			case m.HasCause && (m.Cause.Location == 0 || userCause(m.Cause.Value)):
				l.releasedBy = "callee"
			default:
				l.releasedBy = "network"
			}
		}
		if src == outcome.SrcISUP {
			l.finish(at)
		}
	case isup.RLC:
		if src == outcome.SrcISUP {
			l.finish(at)
		}
	case isup.SUS, isup.RES:
		l.addEvidence(at, src, "%s", m.Type)
	case isup.CFN:
		if m.HasCause {
			l.addEvidence(at, src, "CFN cause %d", m.Cause.Value)
		}
	}
}

// redirection records a redirection information parameter: "mobile
// subscriber not reachable" is evidence of a switched-off phone.
func (c *Correlator) redirection(at time.Time, l *leg, m *isup.Message, src outcome.Source) {
	if !m.HasRedirection {
		return
	}
	if m.Redirection.Reason == reasonNotReachable || m.Redirection.OriginalReason == reasonNotReachable {
		l.notReachable = true
		l.addEvidence(at, src, "%s redirection reason mobile subscriber not reachable", m.Type)
		return
	}
	l.addEvidence(at, src, "%s redirection reason %d", m.Type, m.Redirection.Reason)
}

// supervision handles circuit supervision: a reset or a block of a circuit
// that carries a call ends that call.
func (c *Correlator) supervision(at time.Time, opc, dpc uint32, ni uint8, m *isup.Message) {
	first, last := m.CIC, m.CIC
	switch m.Type {
	case isup.RSC, isup.BLO, isup.UCIC:
	case isup.GRS, isup.CGB:
		if m.HasRange {
			last = m.CIC + uint16(m.Range)
		}
	default:
		return
	}
	if m.Type == isup.BLO || m.Type == isup.CGB {
		return // blocking does not release a call in progress (Q.764 §2.8.2)
	}
	for cic := first; cic <= last && cic >= first; cic++ {
		k := keyOf(opc, dpc, cic, ni)
		if l := c.circuits[k]; l != nil && !l.done {
			l.addEvidence(at, outcome.SrcISUP, "%s reset the circuit", m.Type)
			l.releasedBy = "network"
			l.finish(at)
		}
	}
}

// userCause reports causes that the called party's side decides (busy,
// rejected, cleared, no answer) wherever in the network the REL was sent
// from: the callee, not the network, released.
func userCause(v uint8) bool {
	switch v {
	case 16, 17, 19, 21, 31:
		return true
	}
	return false
}
