package engine

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/media"
)

// Learning RTP without SDP.
//
// SDP binds most calls' audio (sdpBind). When it cannot (a NAT or SBC
// rewrote the addresses, so the RTP flows between other addresses than
// the SDP says; or no SDP was seen at all: a body we could not read, SDP
// stripped, a capture that started after the offer and answer), the
// engine learns the binding from the RTP flows themselves. The rules are
// conservative and deterministic (they depend on capture times and packet
// order only, never on map order):
//
//   - Only UDP flows (src, dst) that no SDP bound and that look like audio
//     RTP (media.LooksLikeRTP, payload type 0, 8, 13 or dynamic) are
//     tracked, in a table of at most Config.MaxLearnFlows flows that
//     expires idle flows on capture time. Flows are tracked even while no
//     call could take them, so that one that began before a call is
//     known to have. A flow running the other way of
//     a bound stream (the caller's audio) is never tracked.
//   - Candidate calls are "pending" legs: their SIP dialog is open (INVITE
//     seen, no final failure, BYE or CANCEL) and no RTP reached them yet.
//     The flow must start at or after the INVITE (a leg opened at a 2xx
//     of a mid-call capture accepts a flow active then).
//   - Each candidate is scored for each direction, per end of the flow:
//     2 when the end's port is the SDP port of that side and the address
//     is the SDP's, the side's signaling address, or the SDP's address is
//     private (RFC 1918, RFC 6598, ULA: a NAT rewrote it); 1 more when the
//     address is the side's signaling address. The callee's audio runs
//     callee -> caller; the caller's the other way. The highest score
//     wins; two calls with the same best score (or a call whose two
//     directions score the same) bind nothing and are counted
//     (Stats.LearnAmbiguous).
//   - When no call scores, and exactly one call is pending in the flow's
//     window, the flow is that call's callee audio only if it is early
//     media: it started before the call was answered and the other
//     direction had not started before it. Two flows that both start
//     after answer cannot be told apart without addresses: nothing is
//     bound (counted too).
//   - A flow is tried at its 1st, 2nd, 4th, 8th... packet and again on
//     its next packet after a new call or answer. Once bound, the binding
//     is kept by the flow's destination (like an SDP binding), so an SSRC
//     change on the same flow stays with the call. The flow's first
//     learnReplay packets are kept and replayed, with their capture
//     times, when it binds, so the start of a greeting is not lost.
//
// A learned stream is marked in the call's audio (bound "learned") and
// evidence says which flow was bound and why.

// learnReplay is how many first packets of an unbound flow are kept for
// replay (0.64 s of 20 ms packets).
const learnReplay = 32

// learnIdle is how long an unbound flow stays tracked without a packet.
const learnIdle = 5 * time.Second

// midCallSlack is how long before a mid-call leg's 2xx a flow may have
// been last seen and still be its.
const midCallSlack = time.Second

// learnFlow is one tracked UDP flow that no SDP bound.
type learnFlow struct {
	first, last time.Time
	n           uint32 // packets
	next        uint32 // packet count of the next scheduled try
	epoch       uint64 // Engine.learnEpoch at the last try
	ssrc        uint32
	ignored     bool // the caller's audio of a call: never the callee's
	counted     bool // counted as ambiguous once
	buf         []byte
	pkts        []bufPkt
}

// bufPkt is one kept packet of a flow: capture time and bytes in buf.
type bufPkt struct {
	t      time.Time
	off, n int32
}

// learnLegOpened makes a new leg a candidate for learning.
func (e *Engine) learnLegOpened(a *audioLeg) {
	if e.cfg.MaxLearnFlows == 0 || a.gotRTP || a.pending {
		return
	}
	a.pending = true
	e.pending[a] = struct{}{}
	e.learnEpoch++
	e.indexHost(a, a.callerSig, true)
	if a.calleeSig != a.callerSig {
		e.indexHost(a, a.calleeSig, true)
	}
	e.learnIndexPorts(a)
}

// learnLegClosed removes a leg from the candidates: it has RTP, its
// dialog failed or was released, or it was emitted.
func (e *Engine) learnLegClosed(a *audioLeg) {
	if !a.pending {
		return
	}
	a.pending = false
	delete(e.pending, a)
	e.indexHost(a, a.callerSig, false)
	e.indexHost(a, a.calleeSig, false)
	for _, p := range a.idxPorts {
		e.indexPort(a, p, false)
	}
	a.idxPorts = [2]uint16{}
}

// learnIndexPorts indexes a pending leg under its SDP ports.
func (e *Engine) learnIndexPorts(a *audioLeg) {
	if !a.pending {
		return
	}
	ports := [2]uint16{a.callerRTP.Port(), a.calleeRTP.Port()}
	if ports[1] == ports[0] {
		ports[1] = 0
	}
	if ports == a.idxPorts {
		return
	}
	for _, p := range a.idxPorts {
		e.indexPort(a, p, false)
	}
	for _, p := range ports {
		e.indexPort(a, p, true)
	}
	a.idxPorts = ports
	e.learnEpoch++
}

func (e *Engine) indexHost(a *audioLeg, h netip.Addr, add bool) {
	if !h.IsValid() {
		return
	}
	e.byHost[h] = editLegs(e.byHost[h], a, add)
	if len(e.byHost[h]) == 0 {
		delete(e.byHost, h)
	}
}

func (e *Engine) indexPort(a *audioLeg, p uint16, add bool) {
	if p == 0 {
		return
	}
	e.byPort[p] = editLegs(e.byPort[p], a, add)
	if len(e.byPort[p]) == 0 {
		delete(e.byPort, p)
	}
}

// editLegs adds a to or removes it from ls.
func editLegs(ls []*audioLeg, a *audioLeg, add bool) []*audioLeg {
	for i, x := range ls {
		if x == a {
			if add {
				return ls
			}
			ls[i] = ls[len(ls)-1]
			ls[len(ls)-1] = nil
			return ls[:len(ls)-1]
		}
	}
	if add {
		ls = append(ls, a)
	}
	return ls
}

// learnRTP tracks one UDP payload that no binding routed and binds its
// flow to a call when the rules above allow. It reports whether the
// payload went to a call.
func (e *Engine) learnRTP(p *capture.Payload) bool {
	if e.cfg.MaxLearnFlows == 0 || !media.LooksLikeRTP(p.Data) {
		return false
	}
	if pt := p.Data[1] & 0x7f; pt != 0 && pt != 8 && pt != 13 && pt < 96 {
		return false // not G.711 audio, comfort noise or a dynamic type
	}
	k := flowKey{p.Src, p.Dst}
	f := e.learn[k]
	if f == nil {
		if a := e.byDst[p.Src]; a != nil {
			a.callerAudio = true
			return false // the caller's side of a bound stream
		}
		if a := e.bySrc[p.Dst]; a != nil {
			a.callerAudio = true
			return false
		}
		if p.Time.Sub(e.learnSweep) > time.Second || len(e.learn) >= e.cfg.MaxLearnFlows {
			e.sweepLearn(p.Time)
		}
		if len(e.learn) >= e.cfg.MaxLearnFlows {
			e.stats.LearnShed++
			return false
		}
		f = &learnFlow{first: p.Time, next: 1, epoch: e.learnEpoch, ssrc: uint32(p.Data[8])<<24 | uint32(p.Data[9])<<16 | uint32(p.Data[10])<<8 | uint32(p.Data[11])}
		e.learn[k] = f
	}
	f.last = p.Time
	f.n++
	if f.ignored || len(e.pending) == 0 {
		// Tracked all the same, so that a flow that began before a call
		// is known to have (see inWindow).
		f.buf, f.pkts = nil, nil
		return false
	}
	if f.n <= learnReplay {
		if f.buf == nil {
			f.buf = make([]byte, 0, learnReplay*(len(p.Data)+4))
			f.pkts = make([]bufPkt, 0, learnReplay)
		}
		f.pkts = append(f.pkts, bufPkt{t: p.Time, off: int32(len(f.buf)), n: int32(len(p.Data))})
		f.buf = append(f.buf, p.Data...)
	} else if f.buf != nil {
		f.buf, f.pkts = nil, nil // too late to replay the start
	}
	if f.n != f.next && f.epoch == e.learnEpoch {
		return false
	}
	if f.n == f.next {
		f.next *= 2
	}
	f.epoch = e.learnEpoch
	a, how := e.tryLearn(k, f)
	if a == nil {
		return false
	}
	e.bindLearned(a, k, f, how, p)
	return true
}

// tryLearn returns the call whose callee audio flow k is, and why, or nil.
func (e *Engine) tryLearn(k flowKey, f *learnFlow) (*audioLeg, string) {
	var best *audioLeg
	bestScore, bestDir, tie := 0, 0, false
	consider := func(ls []*audioLeg) {
		for _, a := range ls {
			if a == best || !e.inWindow(a, f) {
				continue
			}
			sc, dir := score(a, k)
			switch {
			case sc == 0:
			case sc > bestScore:
				best, bestScore, bestDir, tie = a, sc, dir, false
			case sc == bestScore:
				tie = true
			}
		}
	}
	consider(e.byPort[k.src.Port()])
	consider(e.byPort[k.dst.Port()])
	consider(e.byHost[k.src.Addr()])
	consider(e.byHost[k.dst.Addr()])
	switch {
	case best != nil && (tie || bestDir == 0):
		e.countAmbiguous(f)
		return nil, ""
	case best != nil && bestDir < 0:
		f.ignored, f.buf, f.pkts = true, nil, nil // the caller's audio
		return nil, ""
	case best != nil:
		how := "its addresses are the signaling hosts'"
		if k.dst.Port() == best.callerRTP.Port() || k.src.Port() == best.calleeRTP.Port() {
			how = "its ports are the SDP's, its addresses are not (NAT)"
		}
		return best, how
	}
	// No call matches by address or port: only a single pending call,
	// and only early media (see above).
	if len(e.pending) != 1 {
		if len(e.pending) > 1 {
			e.countAmbiguous(f)
		}
		return nil, ""
	}
	var a *audioLeg
	for x := range e.pending {
		a = x
	}
	if !e.inWindow(a, f) {
		return nil, ""
	}
	r := e.learn[flowKey{k.dst, k.src}]
	if (a.answer.IsZero() || f.first.Before(a.answer)) && (r == nil || !r.first.Before(f.first)) {
		return a, "the only open call's early media"
	}
	e.countAmbiguous(f)
	return nil, ""
}

// countAmbiguous counts a flow left unbound for ambiguity, once.
func (e *Engine) countAmbiguous(f *learnFlow) {
	if !f.counted {
		f.counted = true
		e.stats.LearnAmbiguous++
	}
}

// inWindow reports whether flow f can belong to pending leg a by time.
func (e *Engine) inWindow(a *audioLeg, f *learnFlow) bool {
	if a.midCall {
		return !f.last.Before(a.start.Add(-midCallSlack))
	}
	return !f.first.Before(a.start)
}

// score rates flow k as leg a's audio: the score of the better direction
// and that direction, 1 for the callee's audio (callee -> caller), -1 for
// the caller's, 0 when both directions score the same.
func score(a *audioLeg, k flowKey) (int, int) {
	callee := side(k.dst, a.callerRTP, a.callerSig) + side(k.src, a.calleeRTP, a.calleeSig)
	caller := side(k.src, a.callerRTP, a.callerSig) + side(k.dst, a.calleeRTP, a.calleeSig)
	switch {
	case callee > caller:
		return callee, 1
	case caller > callee:
		return caller, -1
	}
	return callee, 0
}

// side rates one end x of a flow as one side of a call, with that side's
// SDP address and signaling address.
func side(x, sdpAddr netip.AddrPort, sig netip.Addr) int {
	s := 0
	if x.Addr() == sig {
		s = 1
	}
	if sdpAddr.IsValid() && x.Port() == sdpAddr.Port() && (x.Addr() == sdpAddr.Addr() || x.Addr() == sig || natted(sdpAddr.Addr())) {
		s += 2
	}
	return s
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// natted reports whether an SDP address is one a NAT rewrites: private
// (RFC 1918, RFC 4193) or shared (RFC 6598).
func natted(a netip.Addr) bool {
	return a.IsPrivate() || cgnat.Contains(a.Unmap())
}

// bindLearned binds flow k to leg a and replays the flow's kept packets
// (which end with p when all its packets were kept), or p alone.
func (e *Engine) bindLearned(a *audioLeg, k flowKey, f *learnFlow, how string, p *capture.Payload) {
	if a.stream == nil {
		e.newStream(a)
	}
	a.learned = fmt.Sprintf("RTP %v -> %v (SSRC %08x) learned without SDP: %s", k.src, k.dst, f.ssrc, how)
	a.learnedFlow = k
	a.gotRTP = true
	e.learnLegClosed(a)
	e.byDst[k.dst] = a
	e.stats.AudioLearned++
	delete(e.learn, k)
	if int(f.n) == len(f.pkts) {
		for _, bp := range f.pkts {
			e.feed(a, p, bp.t, f.buf[bp.off:bp.off+bp.n])
		}
		return
	}
	e.feed(a, p, p.Time, p.Data)
}

// sweepLearn forgets flows idle for learnIdle.
func (e *Engine) sweepLearn(now time.Time) {
	e.learnSweep = now
	for k, f := range e.learn {
		if now.Sub(f.last) > learnIdle {
			delete(e.learn, k)
		}
	}
}
