package engine

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/callsight/callsight/amd"
	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/media"
	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/signaling/isup"
	"github.com/callsight/callsight/signaling/sdp"
	"github.com/callsight/callsight/signaling/sip"
)

// audioLeg is the callee's audio of one SIP call: the RTP stream sent to
// the caller's SDP address (or from the callee's), decoded by media and
// classified by amd. The engine binds it through the SDP of the dialog.
type audioLeg struct {
	callID    string
	callerTag string // From tag of the initial INVITE
	called    string
	calling   string
	stream    *media.Stream
	det       detector
	answer    time.Time // SIP 2xx to the INVITE, zero until then
	answered  bool      // Answer was passed to the detector
	started   bool      // the stream has its first packet
	lastSeen  time.Time
	callerRTP netip.AddrPort // where the caller receives: the callee's audio goes there
	calleeRTP netip.AddrPort // where the callee receives (and usually sends from)

	// trace is kept only for the call being explained.
	trace *trace

	reported, beepReported bool
	reportedProv           bool      // the verdict reported was provisional (amd.Verdict.Provisional)
	reportedClass          amd.Class // the class last reported
	settled                bool      // the verdict is final and analysis stopped (Config.SettleAfter)
	// first is the detector's first verdict that was not provisional: the
	// one serve reports live first (firstSet once it is known). The audio
	// after it may change the detector's mind: serve then reports a
	// revised verdict, and the output keeps the first.
	first    amd.Verdict
	firstSet bool

	// t38 is when the dialog switched to T.38 fax relay (zero: never),
	// t38What the message that did.
	t38     time.Time
	t38What string
	// faxed is set (on the engine goroutine) once the T.38 switch was
	// reported live; the worker then reports no audio verdict of its own.
	faxed  atomic.Bool
	direct bool // fed by OpenAudio/AudioPacket, not bound by SDP

	// What learning RTP without SDP needs (learn.go), all on the engine's
	// goroutine: when the leg started (the INVITE, or the 2xx of a capture
	// that started mid-call), the signaling hosts of caller and callee,
	// whether any RTP was routed to the leg, and how its stream was
	// learned ("" when bound through SDP).
	start                time.Time
	midCall              bool
	callerSig, calleeSig netip.Addr
	gotRTP               bool
	// callerAudio: RTP from the caller to the callee reached the capture
	// (learnRTP); silentCallee: the callee's had not, so its line was
	// silence from the answer (proc.idle, proc.finish). lastRTP: when the
	// callee's last packet came (sweepIdle).
	callerAudio, silentCallee bool
	lastRTP                   time.Time
	released                  bool      // a BYE or CANCEL was seen: quiet after it is no silence on the line
	pending                   bool      // in Engine.pending: open, no RTP yet
	idxPorts                  [2]uint16 // SDP ports the leg is indexed under
	learned                   string
	learnedFlow               flowKey

	// w is the audio worker that owns stream and det, nil when the engine
	// runs them itself. ans is the answer time as the processor knows it.
	w         *audioWorker
	ans       time.Time
	fwdAns    bool // the processor's copy of forward at the answer
	takeovers int  // the stream's SSRC takeovers told to the detector

	// forward is why the network forwarded the call before its answer
	// (a Q.763 redirecting reason), forwardVM whether that is how a
	// voicemail is reached (sipForward). Engine side.
	forward   int
	forwardAt time.Time // zero when no forwarding was signaled
	forwardVM bool
}

// VerdictEvent is a call's audio verdict at the moment it is reached (Kind
// "verdict"), or the end of its beep (Kind "beep_end"): the moment a
// controller should start speaking into a voicemail.
type VerdictEvent struct {
	Kind       string    // verdict or beep_end
	CallID     string    // the SIP Call-ID
	Called     string    // digits of the INVITE's Request-URI user
	Calling    string    // digits of the INVITE's From user
	At         time.Time // capture time of the decision or of the beep end
	Class      string    // human, machine, announcement, fax, silence...
	Confidence float64
	Reason     string
	Answer     time.Time // zero when unanswered (announcement in early media)
	// MS is the delay from answer (or from the start of early media) to At.
	MS int64
	// Provisional marks an announcement heard in early media
	// (amd.Verdict.Provisional): if the call is answered, the verdict of
	// the answered audio follows.
	Provisional bool
	// Revised marks a verdict that replaces the one reported before it:
	// the audio after that one changed the detector's mind (a beep after a
	// short greeting taken for a person, a voice after dead air).
	Revised bool
}

// trace is what explain draws: energy per 10 ms frame from the stream's
// start, plus the detector's events.
type trace struct {
	energy []float32
	acc    float64
	n      int
}

// The audio configuration lives in Config.
func (e *Engine) audioEnabled() bool { return !e.cfg.NoAudio }

// sampleAt converts a capture time to the stream's sample clock.
func sampleAt(s *media.Stream, t time.Time) int64 {
	d := t.Sub(s.Start())
	if d < 0 {
		return 0
	}
	return int64(d) * amd.SampleRate / int64(time.Second)
}

// sdpBind learns the RTP addresses of a SIP call from its SDP: an offer in
// the initial INVITE gives the caller's receive address, an answer in a
// response to the INVITE (183 early media, 200) the callee's.
func (e *Engine) sdpBind(p *capture.Payload, m *sip.Message, sessions []*sdp.Session) {
	if !e.audioEnabled() || m.CallID == "" {
		return
	}
	a := e.audio[m.CallID]
	if a == nil {
		// A leg starts with the initial INVITE, with or without an offer:
		// with a late offer the SDP comes in the 200 OK and the ACK.
		// (midCallAudio starts one at a 2xx whose INVITE was not seen.)
		if !m.Request || m.Method != "INVITE" || m.ToTag != "" {
			return
		}
		if a = e.openLeg(p, m, false); a == nil {
			return
		}
	}
	// SDP from the caller (the INVITE's offer, or the answer in its ACK,
	// PRACK or UPDATE) gives where the caller receives: the callee's audio
	// goes there. SDP in a response to an INVITE gives the callee's address.
	fromCaller := m.Request && m.FromTag == a.callerTag
	resp := !m.Request && m.CSeqMethod == "INVITE"
	if len(sessions) > 0 {
		e.t38Switch(p, m, a, sessions)
	}
	if len(sessions) > 0 && (fromCaller || resp) {
		a.lastSeen = p.Time
		e.bindMedia(a, sessions, fromCaller, m.CallID)
	}
	if resp && m.Status >= 200 && m.Status < 300 {
		e.setAnswer(a, p.Time)
	}
	// The leg is over for learning once the INVITE failed or the call
	// was released: RTP that starts later is not its.
	if (resp && m.Status >= 300) || (m.Request && (m.Method == "BYE" || m.Method == "CANCEL")) {
		e.learnLegClosed(a)
		// (Not on a failure response: a 401 before the INVITE is sent
		// again, or a 488 to a re-INVITE, does not end the call's audio.)
		a.released = a.released || m.Request
	}
}

// openLeg starts the audio leg of a call at its INVITE or, midCall, at a
// 2xx to an INVITE that was not seen; nil when MaxAudioLegs are busy.
func (e *Engine) openLeg(p *capture.Payload, m *sip.Message, midCall bool) *audioLeg {
	if len(e.audio) >= e.cfg.MaxAudioLegs {
		e.stats.AudioShed++
		return nil
	}
	a := &audioLeg{callID: m.CallID, lastSeen: p.Time, callerTag: m.FromTag,
		called: sip.Digits(m.RequestURIUser), calling: sip.Digits(m.FromUser),
		start: p.Time, midCall: midCall, callerSig: p.Src.Addr(), calleeSig: p.Dst.Addr()}
	if midCall { // a response: from the callee to the caller
		a.called = sip.Digits(m.ToUser)
		a.callerSig, a.calleeSig = p.Dst.Addr(), p.Src.Addr()
	}
	e.audio[m.CallID] = a
	e.learnLegOpened(a)
	return a
}

// midCallAudio starts the audio leg of a call first seen at a 2xx to its
// INVITE (the capture started after the INVITE), once the correlator has
// made a call of it, and binds the 2xx's SDP. Its RTP may already flow.
func (e *Engine) midCallAudio(p *capture.Payload, m *sip.Message, sessions []*sdp.Session) {
	if e.audio[m.CallID] != nil || e.openLeg(p, m, true) == nil {
		return
	}
	e.sdpBind(p, m, sessions)
}

// bindMedia binds the first audio stream of the SDP sessions to the leg,
// creating its media stream and detector on the first SDP seen.
func (e *Engine) bindMedia(a *audioLeg, sessions []*sdp.Session, fromCaller bool, callID string) {
	if a.stream == nil {
		e.newStream(a)
	}
	for _, s := range sessions {
		for _, md := range s.Media {
			if md.Type != "audio" || md.Port == 0 {
				continue
			}
			addr := md.Addr(s)
			if !addr.IsValid() {
				continue
			}
			for _, rm := range md.RTPMap {
				if c := media.CodecFromName(rm.Encoding); c != media.Unknown && rm.PT >= 96 && rm.PT < 128 {
					if a.w == nil {
						a.stream.SetPayloadType(rm.PT, c)
					} else {
						a.w.send(audioJob{a: a, op: opPT, pt: rm.PT, codec: c})
					}
				}
			}
			if fromCaller && a.callerRTP != addr {
				if a.callerRTP.IsValid() && e.byDst[a.callerRTP] == a {
					delete(e.byDst, a.callerRTP)
				}
				a.callerRTP = addr
				e.byDst[addr] = a
				e.learnIndexPorts(a)
			} else if !fromCaller && a.calleeRTP != addr {
				if a.calleeRTP.IsValid() && e.bySrc[a.calleeRTP] == a {
					delete(e.bySrc, a.calleeRTP)
				}
				a.calleeRTP = addr
				e.bySrc[addr] = a
				e.learnIndexPorts(a)
			}
			return // the first audio stream is the call's voice
		}
	}
}

// newStream creates the leg's media stream and detector, on its first SDP
// or when its RTP is learned without SDP.
func (e *Engine) newStream(a *audioLeg) {
	a.stream, a.det = media.NewStream(e.cfg.Media), e.newDetector()
	e.assignWorker(a)
	if e.cfg.ExplainCall != "" && e.cfg.ExplainCall == a.callID {
		a.trace = &trace{}
	}
	e.stats.AudioLegs++
	if !a.answer.IsZero() {
		t := a.answer
		a.answer = time.Time{}
		e.setAnswer(a, t)
	}
}

// sipAnswer tells the audio leg that its call was answered.
func (e *Engine) sipAnswer(p *capture.Payload, m *sip.Message) {
	if a := e.audio[m.CallID]; a != nil && !m.Request && m.CSeqMethod == "INVITE" && m.Status >= 200 && m.Status < 300 {
		e.setAnswer(a, p.Time)
	}
}

// sipForward notes, before the answer, that the network forwarded the
// call: a 181, Diversion or History-Info (sip/forward.go), or a SIP-I
// body's ISUP redirection information or CPG "call forwarded" event.
// Forwarding on busy, no reply or unreachability is how mobile networks
// reach voicemail, and the detector is told so at the answer
// (amd.Detector.Forwarded). Unconditional forwarding and deflection,
// which reach other phones as often, and a 181 that gives no reason, are
// kept as evidence only.
func (e *Engine) sipForward(p *capture.Payload, m *sip.Message, bodies []*isup.Message) {
	a := e.audio[m.CallID]
	if a == nil || !a.answer.IsZero() || m.CSeqMethod != "INVITE" {
		return
	}
	seen, reason := m.Forwarded, m.ForwardReason
	for _, b := range bodies {
		if r, ok := b.Forwarding(); ok {
			seen, reason = true, r
		}
	}
	if !seen || a.forwardVM {
		return
	}
	if a.forwardAt.IsZero() || reason != sip.ForwardUnknown {
		a.forward, a.forwardAt = reason, p.Time
	}
	switch reason {
	case sip.ForwardBusy, sip.ForwardNoReply, sip.ForwardNotReachable:
		a.forwardVM = true
	}
}

// forwardNames names Q.763 §3.45 redirecting reasons for evidence.
var forwardNames = [...]string{"reason not given", "on busy", "on no reply", "unconditionally",
	"by deflection during alerting", "by immediate deflection", "as the subscriber was not reachable"}

func forwardName(r int) string {
	if r >= 0 && r < len(forwardNames) {
		return forwardNames[r]
	}
	return fmt.Sprintf("redirecting reason %d", r)
}

// setAnswer records the answer time once and tells the leg's processor.
func (e *Engine) setAnswer(a *audioLeg, t time.Time) {
	if !a.answer.IsZero() {
		return
	}
	a.answer = t
	if a.pending {
		e.learnEpoch++ // early media is told apart by the answer time
	}
	if a.stream == nil {
		return // told when the first SDP creates the stream (bindMedia)
	}
	if a.w == nil {
		e.inline.answer(a, t, a.forwardVM)
		return
	}
	a.w.send(audioJob{a: a, op: opAnswer, t: t, fwd: a.forwardVM})
}

// rtp feeds one UDP payload to the audio leg it belongs to, if any, and
// reports whether it did.
func (e *Engine) rtp(p *capture.Payload) bool {
	a := e.byDst[p.Dst]
	if a == nil {
		a = e.bySrc[p.Src]
	}
	if a == nil || a.stream == nil {
		return e.learnRTP(p)
	}
	if !media.LooksLikeRTP(p.Data) {
		return false
	}
	if !a.gotRTP {
		a.gotRTP = true
		e.learnLegClosed(a)
	}
	e.feed(a, p, p.Time, p.Data)
	return true
}

// feed hands one RTP packet of a, captured at t, to its processor.
func (e *Engine) feed(a *audioLeg, p *capture.Payload, t time.Time, data []byte) {
	a.lastSeen, a.lastRTP = t, t
	if a.w != nil {
		a.w.packet(a, t, data)
		return
	}
	if err := e.inline.packet(a, t, data); err != nil {
		e.decodeError("rtp", p, err)
		return
	}
	e.stats.RTPPackets++
}

// pcm hands decoded audio to the current leg's detector. pr.out is this
// method's value made once, so the hot path does not allocate a closure.
func (pr *proc) pcm(pcm []int16, sample int64) {
	a := pr.cur
	if a == nil || a.settled {
		return
	}
	a.det.Write(pcm, sample)
	v := a.det.Verdict()
	if !a.firstSet && v.Decided && !v.Provisional {
		a.first, a.firstSet = v, true
	}
	if pr.e.cfg.OnVerdict != nil {
		pr.e.reportVerdict(a, &v)
	}
	if d := pr.e.cfg.SettleAfter; d > 0 && settled(v, sample+int64(len(pcm)), samples(d)) {
		a.settled = true
		pr.e.settledN.Add(1)
	}
	if t := a.trace; t != nil {
		for _, v := range pcm {
			t.acc += float64(v) * float64(v)
			t.n++
			if t.n == 80 {
				ms := t.acc / 80
				db := -100.0
				if ms > 0 {
					db = 10 * math.Log10(ms/(32768.0*32768.0))
				}
				t.energy = append(t.energy, float32(db))
				t.acc, t.n = 0, 0
			}
		}
	}
}

// finishAudio closes the audio leg of a call and returns its verdict. It
// removes the leg; nil when the call had no audio.
func (e *Engine) finishAudio(callID string, end time.Time) *audioLeg {
	a := e.detachAudio(callID)
	if a == nil || a.stream == nil {
		return a // no SDP was ever seen: no audio
	}
	if a.w == nil {
		e.inline.finish(a, end)
		return a
	}
	// Wait until the worker has processed everything queued for the leg:
	// after that, only this goroutine touches it.
	done := make(chan struct{})
	a.w.send(audioJob{a: a, op: opFinish, t: end, done: done})
	<-done
	return a
}

// detachAudio removes the audio leg of callID from the engine's tables and
// returns it, nil when there is none. Its stream and detector are not
// finished yet.
func (e *Engine) detachAudio(callID string) *audioLeg {
	a := e.audio[callID]
	if a == nil {
		return nil
	}
	delete(e.audio, callID)
	e.learnLegClosed(a)
	if e.byDst[a.callerRTP] == a {
		delete(e.byDst, a.callerRTP)
	}
	if a.learned != "" && e.byDst[a.learnedFlow.dst] == a {
		delete(e.byDst, a.learnedFlow.dst)
	}
	if e.bySrc[a.calleeRTP] == a {
		delete(e.bySrc, a.calleeRTP)
	}
	return a
}

// expireAudio drops audio legs whose call vanished without being emitted
// with a SIP leg, so memory stays bounded.
// idleEvery is how often (capture time) sweepIdle looks for quiet legs,
// and idleLag how long a leg's callee must have sent nothing: longer
// than a packet's reorder wait and its jitter.
const (
	idleEvery = 100 * time.Millisecond
	idleLag   = 300 * time.Millisecond
)

// sweepIdle tells the processor of every answered leg whose callee sent
// nothing for idleLag that the time passed (proc.idle): the silence of a
// phone that suppresses it without comfort noise is heard as it comes,
// and a dead line is dead air 3 s after the answer, live. A callee that
// never sent anything is silent only if the caller's audio reached the
// capture (else the capture may not see the media at all).
func (e *Engine) sweepIdle(now time.Time) {
	e.idleSweeps++
	for _, a := range e.audio {
		if a.stream == nil || a.answer.IsZero() || a.released || now.Sub(a.answer) < idleLag {
			continue
		}
		start := false
		switch {
		case a.gotRTP:
			if now.Sub(a.lastRTP) < idleLag {
				continue
			}
		case a.callerAudio:
			start = true
		default:
			continue
		}
		if a.w == nil {
			e.inline.idle(a, now, start)
			continue
		}
		a.w.send(audioJob{a: a, op: opIdle, t: now, fwd: start})
	}
}

func (e *Engine) expireAudio(now time.Time) {
	for id, a := range e.audio {
		if now.Sub(a.lastSeen) > e.cfg.Correlator.CallTimeout {
			e.finishAudio(id, time.Time{})
			e.stats.AudioExpired++
		}
	}
}

// sampleTime converts a sample index back to capture time.
func sampleTime(s *media.Stream, sample int64) time.Time {
	return s.Start().Add(time.Duration(sample * int64(time.Second) / amd.SampleRate))
}

func ms(d time.Duration) *int64 {
	v := d.Milliseconds()
	return &v
}

func dtmfString(ev []media.DTMFEvent) string {
	var b strings.Builder
	for _, d := range ev {
		b.WriteByte(d.Digit)
	}
	return b.String()
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// TraceSpan is one detector event of an explained call, on capture time.
type TraceSpan struct {
	Kind       string // speech, beep, sit, tone, fax-ced...
	Start, End time.Time
	Freq       float64
}

// AudioTrace is what explain draws of one call's audio.
type AudioTrace struct {
	Start    time.Time // capture time of the first sample
	FrameDur time.Duration
	Energy   []float32 // dBFS per frame
	Spans    []TraceSpan
}

// AudioTrace returns the trace of the call named by Config.ExplainCall once
// it has been emitted, or nil when it had no audio.
func (e *Engine) AudioTrace(callID string) *AudioTrace {
	a := e.traces[callID]
	if a == nil || a.trace == nil {
		return nil
	}
	t := &AudioTrace{Start: a.stream.Start(), FrameDur: 10 * time.Millisecond, Energy: a.trace.energy}
	var evs [256]amd.Event
	for _, ev := range events(a.det, evs[:0]) {
		t.Spans = append(t.Spans, TraceSpan{Kind: ev.Kind.String(), Start: sampleTime(a.stream, ev.Start), End: sampleTime(a.stream, ev.End), Freq: ev.Freq})
	}
	return t
}

// reportVerdict tells OnVerdict about a new verdict or beep end.
func (e *Engine) reportVerdict(a *audioLeg, v *amd.Verdict) {
	// A provisional verdict (an announcement in early media) is followed by
	// the one the answer leads to; one that was not provisional, by another
	// only when the audio after it changes the class.
	revised := v.Decided && a.reported && !a.reportedProv && !v.Provisional && v.Class != a.reportedClass
	verdict := v.Decided && (!a.reported || a.reportedProv && !v.Provisional) || revised
	beep := v.BeepEnd >= 0 && !a.beepReported
	if !verdict && !beep || a.faxed.Load() {
		return // nothing new (on every packet), or the T.38 switch was the verdict (t38.go)
	}
	ref := a.ans
	if ref.IsZero() {
		ref = a.stream.Start()
	}
	if verdict {
		a.reported, a.reportedProv, a.reportedClass = true, v.Provisional, v.Class
		at := sampleTime(a.stream, v.DecidedAt)
		e.cfg.OnVerdict(VerdictEvent{Kind: "verdict", CallID: a.callID, Called: a.called, Calling: a.calling, At: at, Class: v.Class.String(), Confidence: v.Confidence,
			Reason: v.Reason, Answer: a.ans, MS: max(0, at.Sub(ref).Milliseconds()), Provisional: v.Provisional, Revised: revised})
	}
	if beep {
		a.beepReported = true
		at := sampleTime(a.stream, v.BeepEnd)
		e.cfg.OnVerdict(VerdictEvent{Kind: "beep_end", CallID: a.callID, Called: a.called, Calling: a.calling, At: at, Class: v.Class.String(), Confidence: v.Confidence,
			Reason: v.Reason, Answer: a.ans, MS: max(0, at.Sub(ref).Milliseconds())})
	}
}

// OpenAudio starts analysing a call's audio fed directly rather than found
// through SDP: a SIPREC recording session forks the callee's stream to us.
// callID names the original call; answer is when its audio starts to
// matter (the recording starts at answer).
func (e *Engine) OpenAudio(callID, called, calling string, answer time.Time) {
	if !e.audioEnabled() || callID == "" || e.audio[callID] != nil {
		return
	}
	if len(e.audio) >= e.cfg.MaxAudioLegs {
		e.stats.AudioShed++
		return
	}
	a := &audioLeg{callID: callID, called: called, calling: calling, stream: media.NewStream(e.cfg.Media),
		det: e.newDetector(), lastSeen: answer, direct: true}
	e.assignWorker(a)
	e.setAnswer(a, answer)
	e.audio[callID] = a
	e.stats.AudioLegs++
}

// AudioPacket feeds one RTP packet of a call opened with OpenAudio.
func (e *Engine) AudioPacket(callID string, now time.Time, pkt []byte) {
	a := e.audio[callID]
	if a == nil || !a.direct {
		return
	}
	e.corr.Advance(now)
	a.lastSeen = now
	if a.w != nil {
		a.w.packet(a, now, pkt)
		return
	}
	if err := e.inline.packet(a, now, pkt); err != nil {
		e.countErr("rtp", err)
		return
	}
	e.stats.RTPPackets++
}

// CloseAudio ends a call opened with OpenAudio and emits it: its outcome
// comes from its audio alone.
func (e *Engine) CloseAudio(callID string, at time.Time) {
	a := e.audio[callID]
	if a == nil || !a.direct {
		return
	}
	c := &outcome.Call{CallID: callID, Called: a.called, Calling: a.calling, Start: outcome.At(a.answer),
		Answer: outcome.Ptr(a.answer), End: outcome.Ptr(at), Outcome: outcome.Answered,
		Legs:     []outcome.Leg{{Kind: outcome.LegSIPREC, CallID: callID}},
		Evidence: []outcome.Evidence{{At: outcome.At(a.answer), Source: outcome.SrcAudio, What: "SIPREC recording of the callee's stream"}}}
	d := at.Sub(a.answer).Milliseconds()
	c.DurationMS = &d
	e.calls(c)
}

// settled reports whether a verdict is final, after grace samples, at
// sample now (see Config.SettleAfter).
func settled(v amd.Verdict, now, grace int64) bool {
	if !v.Decided || v.Provisional {
		return false
	}
	switch v.Class {
	case amd.Fax, amd.Announcement, amd.Busy, amd.Ringback:
		return true
	case amd.Human:
		return now >= v.DecidedAt+grace
	case amd.Machine:
		// A later beep (some voicemails sound two, seconds apart) moves
		// the beep's end.
		return v.BeepEnd >= 0 && now >= v.BeepEnd+grace
	}
	return false
}

// samples converts a duration to samples at 8 kHz.
func samples(d time.Duration) int64 { return int64(d) * amd.SampleRate / int64(time.Second) }
