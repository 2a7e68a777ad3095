package signaling

import (
	"time"

	"github.com/callsight/callsight/signaling/gtp"
)

// gtpState follows mobile data sessions per MSISDN. Create requests carry
// the IMSI and MSISDN; responses and deletes carry only tunnel endpoint
// identifiers, so the TEIDs each side announced are mapped back to the
// MSISDN.
type gtpState struct {
	byTEID map[uint32]string    // control-plane TEID -> MSISDN
	bySeq  map[uint32]string    // sequence number of a pending request -> MSISDN
	last   map[string]gtpRecord // last seven digits of the MSISDN -> latest session change
}

type gtpRecord struct {
	msisdn   string
	attached bool
	at       time.Time
}

// maxGTP bounds the GTP tables; past it they are cleared, losing only
// evidence, never calls.
const maxGTP = 1 << 20

func newGTPState() gtpState {
	return gtpState{byTEID: map[uint32]string{}, bySeq: map[uint32]string{}, last: map[string]gtpRecord{}}
}

// GTP feeds one GTP-C message (and any message piggybacked on it).
func (c *Correlator) GTP(at time.Time, m *gtp.Message) {
	c.touch(at)
	for ; m != nil; m = m.Piggybacked {
		c.gtpOne(at, m)
	}
}

func (c *Correlator) gtpOne(at time.Time, m *gtp.Message) {
	g := &c.gtp
	if len(g.byTEID) > maxGTP || len(g.bySeq) > maxGTP || len(g.last) > maxGTP {
		*g = newGTPState()
	}
	msisdn := digits(m.MSISDN)
	if msisdn == "" && m.HasTEID {
		msisdn = g.byTEID[m.TEID]
	}
	if msisdn == "" {
		msisdn = g.bySeq[m.Seq]
	}
	if msisdn == "" {
		return
	}
	if m.HasControlTEID {
		g.byTEID[m.ControlTEID] = msisdn
	}
	switch m.Op {
	case gtp.OpCreateRequest, gtp.OpDeleteRequest:
		g.bySeq[m.Seq] = msisdn
	}
	switch m.Op {
	case gtp.OpCreateResponse:
		delete(g.bySeq, m.Seq)
		if m.Accepted {
			g.last[tail(msisdn, 7)] = gtpRecord{msisdn: msisdn, attached: true, at: at}
			c.stats.GTPSessions++
		}
	case gtp.OpDeleteRequest:
		g.last[tail(msisdn, 7)] = gtpRecord{msisdn: msisdn, attached: false, at: at}
	case gtp.OpDeleteResponse:
		delete(g.bySeq, m.Seq)
	}
}

// gtpDetachedBefore reports whether the called number's latest data
// session change before start was a delete, within the GTP window.
func (c *Correlator) gtpDetachedBefore(called string, start time.Time) (time.Time, bool) {
	if len(called) < 7 {
		return time.Time{}, false
	}
	r, ok := c.gtp.last[tail(called, 7)]
	if ok && !r.attached && !r.at.After(start) && start.Sub(r.at) <= c.cfg.GTPWindow && suffixMatch(r.msisdn, called) {
		return r.at, true
	}
	return time.Time{}, false
}
