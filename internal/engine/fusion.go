package engine

import (
	"fmt"
	"time"

	"github.com/callsight/callsight/amd"
	"github.com/callsight/callsight/outcome"
)

// fuse refines a call's signaling outcome with what its audio showed. The
// rules, documented in the README:
//
//   - an answered call takes the detector's class: human, machine, fax or
//     silence; an announcement after answer is switched_off;
//   - an unanswered call (unknown, no_answer) whose early media held an
//     operator announcement or SIT is switched_off, except that speech or
//     music in early media (no SIT) while the caller gave up, or with cause
//     19 (user alerted), is a caller tune and the call stays no_answer;
//     more specific signaling
//     outcomes (busy, unallocated, congestion, rejected) stand, with the
//     audio as evidence;
//   - decided_ms is the capture-time delay from answer to the verdict, or
//     from the start of early media for an announcement before answer;
//     beep_end_ms is the end of the beep from answer.
//
// With audio workers the leg's detector is finished on its worker: fuse
// then hands the call over and reports true, and the worker queues it for
// fuseLeg and emission on the engine goroutine (drainFinished), so the
// engine never waits for a worker's backlog.
func (e *Engine) fuse(c *outcome.Call) (deferred bool) {
	var a *audioLeg
	var end time.Time
	if c.End != nil {
		end = c.End.Time
	}
	for _, l := range c.Legs {
		if l.CallID != "" {
			if a = e.detachAudio(l.CallID); a != nil {
				break
			}
		}
	}
	if a == nil {
		return false
	}
	if a.stream != nil && a.w != nil {
		a.w.send(audioJob{a: a, op: opFinish, t: end, call: c})
		return true
	}
	if a.stream != nil {
		e.inline.finish(a, end)
	}
	e.fuseLeg(c, a)
	return false
}

// fuseLeg refines c with its finished audio leg a.
func (e *Engine) fuseLeg(c *outcome.Call, a *audioLeg) {
	if a.trace != nil {
		e.traces[a.callID] = a
	}
	// What the call turned out to be, for the detector's known greetings:
	// an answered announcement is learnt as the network's.
	taught := amd.Unknown
	defer func() {
		if a.det != nil {
			a.det.Taught(taught)
		}
	}()
	defer fuseT38(c, a)
	if !a.forwardAt.IsZero() {
		what := "forwarded " + forwardName(a.forward) + " before the answer"
		if a.forwardVM {
			what += ": a voicemail is likely, a shorter greeting decides machine"
		}
		c.Evidence = append(c.Evidence, outcome.Evidence{At: outcome.At(a.forwardAt), Source: outcome.SrcSIP, What: what})
	}
	if !a.started {
		return // SDP offered media but no RTP reached the capture
	}
	st := a.stream.Stats()
	v := a.det.Verdict()
	au := &outcome.Audio{
		Codec:       st.Codec.String(),
		Analysed:    a.started && st.Analysable,
		Class:       v.Class.String(),
		Confidence:  round2(v.Confidence),
		Reason:      v.Reason,
		Packets:     st.Packets,
		Lost:        st.Lost,
		JitterMS:    round2(st.MaxJitterMS),
		SSRCs:       len(st.SSRCs),
		ConcealedMS: st.ConcealedSamples * 1000 / amd.SampleRate,
		DTMF:        dtmfString(st.DTMF),
	}
	c.Audio = au
	if a.silentCallee {
		// The detector heard the silence from the answer to the end.
		au.Codec, au.Analysed = "none", true
		c.Evidence = append(c.Evidence, outcome.Evidence{At: outcome.At(a.ans), Source: outcome.SrcAudio,
			What: "the caller's audio reached the capture, the callee sent none after the answer: silence on the line"})
	}
	if a.learned != "" {
		au.Bound = "learned"
		c.Evidence = append(c.Evidence, outcome.Evidence{At: outcome.At(a.stream.Start()), Source: outcome.SrcAudio, What: a.learned})
	}
	if !au.Analysed {
		c.Evidence = append(c.Evidence, outcome.Evidence{At: c.Start, Source: outcome.SrcAudio,
			What: fmt.Sprintf("no audio analysis: codec %s", st.Codec)})
		return
	}
	var evs [64]amd.Event
	for _, ev := range events(a.det, evs[:0]) {
		if ev.Kind == amd.EventSpeech || len(au.Events) >= 16 {
			continue
		}
		au.Events = append(au.Events, fmt.Sprintf("%s %s-%s", ev.Kind, clock(a, ev.Start), clock(a, ev.End)))
	}

	answer := a.answer
	if answer.IsZero() && c.Answer != nil {
		answer = c.Answer.Time
	}
	answered := !answer.IsZero()
	fromAnswer := func(sample int64) *int64 {
		if sample < 0 || !answered {
			return nil
		}
		return ms(sampleTime(a.stream, sample).Sub(answer))
	}
	au.BeepStartMS = fromAnswer(v.BeepStart)
	au.GreetingEndMS = fromAnswer(v.GreetingEnd)
	if f := a.first; a.firstSet && (f.Class != v.Class || !v.Decided) {
		// What serve reported live first; the audio after it changed the
		// verdict, and serve reported the change (VerdictEvent.Revised),
		// unless it reopened it undecided (speech after dead air that was
		// never decided again).
		ref := answer
		if !answered {
			ref = a.stream.Start()
		}
		au.FirstClass, au.FirstReason = f.Class.String(), f.Reason
		au.FirstMS = ms(max(0, sampleTime(a.stream, f.DecidedAt).Sub(ref)))
		c.Evidence = append(c.Evidence, outcome.Evidence{At: outcome.At(sampleTime(a.stream, f.DecidedAt)), Source: outcome.SrcAudio,
			What: fmt.Sprintf("audio, first: %s (%s), the verdict reported live first; later audio revised it", f.Class, f.Reason)})
	}
	if v.BeepEnd >= 0 && answered {
		c.BeepEndMS = fromAnswer(v.BeepEnd)
	}
	if !v.Decided {
		return
	}
	decidedAt := sampleTime(a.stream, v.DecidedAt)
	before := c.Outcome
	switch v.Class {
	case amd.Human, amd.Machine, amd.Fax, amd.Silence:
		switch {
		case c.Outcome == outcome.Answered:
			c.Outcome = outcome.Outcome(v.Class.String())
		case c.Outcome == outcome.SwitchedOff && answered && v.Class == amd.Machine && v.BeepEnd >= 0:
			// The network forwarded the call because the phone was not
			// reachable (an ISUP redirection, outcome rule 4), and what
			// answered was a voicemail, not the network's announcement:
			// its beep says so, and the caller may leave a message.
			c.Outcome = outcome.Machine
			c.Evidence = append(c.Evidence, outcome.Evidence{At: outcome.At(sampleTime(a.stream, v.BeepEnd)), Source: outcome.SrcRule,
				What: "a voicemail answered after forwarding for the phone not being reachable (greeting and beep): machine"})
		}
	case amd.Announcement:
		switch {
		case c.Outcome == outcome.NoAnswer && v.Provisional && callerGaveUp(c):
			// Voice or music in early media while the caller gave up (or
			// the network said the user was alerted) is a caller tune, not
			// an operator's message: those end with the network's release.
			c.Evidence = append(c.Evidence, outcome.Evidence{At: outcome.At(sampleTime(a.stream, v.DecidedAt)), Source: outcome.SrcRule,
				What: "speech or music in early media until the caller gave up: a caller tune, not an announcement"})
		case c.Outcome == outcome.Answered, c.Outcome == outcome.Unknown, c.Outcome == outcome.NoAnswer:
			c.Outcome = outcome.SwitchedOff
		}
	}
	// An answered announcement without SIT sounds like a greeting, but a
	// voicemail waits to record after it (behind a beep or not), while the
	// network releases the call as soon as its announcement ends.
	longHello := c.Outcome == outcome.Human && v.Reason == amd.ReasonLongHelloHangUp
	if (c.Outcome == outcome.Machine || longHello) && v.BeepEnd < 0 && c.End != nil && (c.ReleasedBy == "callee" || c.ReleasedBy == "network") {
		if last := lastSpeechEnd(a, evs[:0]); !last.IsZero() {
			if gap := c.End.Sub(last); gap >= 0 && gap <= announcementHangup {
				c.Outcome = outcome.SwitchedOff
				taught = amd.Announcement
				decidedAt = c.End.Time // known only when the call was released
				c.Evidence = append(c.Evidence, outcome.Evidence{At: *c.End, Source: outcome.SrcRule,
					What: fmt.Sprintf("the callee released %d ms after the speech ended, with no beep: an announcement, not a voicemail", gap.Milliseconds())})
			}
		}
	}
	ref := answer
	if v.Class == amd.Announcement && (!answered || decidedAt.Before(answer)) {
		ref = a.stream.Start() // the start of early media
	}
	if !ref.IsZero() && (c.Outcome != before || c.Outcome == outcome.SwitchedOff || answered) {
		d := decidedAt.Sub(ref)
		if d < 0 {
			d = 0
		}
		c.DecidedMS = ms(d)
	}
	what := fmt.Sprintf("audio: %s (%s, confidence %.2f)", v.Class, v.Reason, v.Confidence)
	if c.Outcome != before {
		what += fmt.Sprintf(": %s -> %s", before, c.Outcome)
	}
	c.Evidence = append(c.Evidence, outcome.Evidence{At: outcome.At(decidedAt), Source: outcome.SrcAudio, What: what})
	if c.BeepEndMS != nil {
		c.Evidence = append(c.Evidence, outcome.Evidence{At: outcome.At(sampleTime(a.stream, v.BeepEnd)), Source: outcome.SrcAudio,
			What: fmt.Sprintf("beep ended %d ms after answer: start speaking", *c.BeepEndMS)})
	}
}

// callerGaveUp reports whether an unanswered call ended on the caller's
// side (CANCEL, or a release from the caller) or with Q.850 cause 19, "no
// answer from user (user alerted)": the phone rang.
func callerGaveUp(c *outcome.Call) bool {
	return c.ReleasedBy == "caller" || c.Q850 != nil && *c.Q850 == 19
}

// clock formats a sample index as seconds from the stream start.
func clock(a *audioLeg, sample int64) string {
	return fmt.Sprintf("%.2fs", float64(sample)/amd.SampleRate)
}

func round2(f float64) float64 {
	return float64(int64(f*100+0.5)) / 100
}

// announcementHangup is how soon after its last words a network
// announcement releases the call; a voicemail records for longer.
const announcementHangup = 2500 * time.Millisecond

// lastSpeechEnd is the capture time at which the call's last utterance
// ended, zero when there was none.
func lastSpeechEnd(a *audioLeg, buf []amd.Event) time.Time {
	var t time.Time
	for _, ev := range events(a.det, buf) {
		if ev.Kind == amd.EventSpeech {
			t = sampleTime(a.stream, ev.End)
		}
	}
	return t
}
