package signaling

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/signaling/cause"
)

// The outcome rules, applied once a call's legs are all finished. They are
// documented in the README; keep the two in step.
//
//  1. answered: any leg answered (SIP 2xx to the INVITE, ISUP ANM or CON),
//     unless an ISUP redirection said "mobile subscriber not reachable".
//  2. otherwise the decisive cause, by priority of source: ISUP REL cause >
//     SIP-I body cause > SIP Reason Q.850 > a cause derived from the final
//     SIP status through the configured mapping (RFC 3398 or Q.1912.5);
//  3. that cause gives the outcome: 17 busy; 1, 22, 28 unallocated; 21, 24
//     rejected; 20 switched_off; 18 switched_off when nothing alerted, else
//     no_answer; 19 no_answer; 102 no_answer when alerted, else congestion;
//     2, 3, 25, 27, 34, 38, 41, 42, 44, 47 congestion; 16, 31 or a CANCEL
//     no_answer when alerted, else unknown;
//  4. a redirection reason "mobile subscriber not reachable" makes the call
//     switched_off;
//  5. a GTP detach of the called MSISDN before the call makes an
//     unanswered, unalerted call that is not busy, unallocated or rejected
//     switched_off;
//  6. nothing decisive: unknown.
func (c *Correlator) decide(cl *call) *outcome.Call {
	legs := slices.Clone(cl.legs)
	slices.SortStableFunc(legs, func(a, b *leg) int { return a.start.Compare(b.start) })
	first := legs[0]
	out := &outcome.Call{
		Start:    outcome.At(cl.start),
		Outcome:  outcome.Unknown,
		Legs:     make([]outcome.Leg, 0, len(legs)),
		Evidence: []outcome.Evidence{},
	}
	var (
		alert, progress, answer, end time.Time
		notReachable, cancelled      bool
		releasedBy                   string
		sipStatus                    int
		causes                       []rawCause
		sipLeg, isupLeg              *leg
	)
	for _, l := range legs {
		out.Legs = append(out.Legs, l.outLeg())
		out.Evidence = append(out.Evidence, l.evidence...)
		if (l.kind == outcome.LegSIP || l.kind == outcome.LegSIPI) && sipLeg == nil {
			sipLeg = l
		}
		if l.kind == outcome.LegISUP && isupLeg == nil {
			isupLeg = l
		}
		alert = earliest(alert, l.alert)
		progress = earliest(progress, l.progress)
		answer = earliest(answer, l.answer)
		end = latest(end, l.end)
		notReachable = notReachable || l.notReachable
		cancelled = cancelled || l.cancelled
		if sipStatus == 0 && l.sipStatus != 0 {
			sipStatus = l.sipStatus
		}
		causes = append(causes, l.causes...)
	}
	// Who released: the ISUP leg knows the circuit's direction best.
	for _, l := range []*leg{isupLeg, sipLeg} {
		if l != nil && l.releasedBy != "" {
			releasedBy = l.releasedBy
			break
		}
	}
	if sipLeg != nil {
		out.CallID = sipLeg.callID
		out.Calling, out.Called = sipLeg.calling, sipLeg.called
	} else {
		out.CallID = fmt.Sprintf("isup-%d-%d-%d-%d", first.opc, first.dpc, first.cic, first.start.UnixNano())
		out.Calling, out.Called = first.calling, first.called
	}
	if out.Called == "" || out.Calling == "" {
		for _, l := range legs {
			if out.Called == "" {
				out.Called = l.called
			}
			if out.Calling == "" {
				out.Calling = l.calling
			}
		}
	}
	slices.SortStableFunc(out.Evidence, func(a, b outcome.Evidence) int { return a.At.Compare(b.At.Time) })

	if !alert.IsZero() {
		out.Alert = outcome.Ptr(alert)
	}
	if !answer.IsZero() {
		out.Answer = outcome.Ptr(answer)
	}
	if !end.IsZero() {
		out.End = outcome.Ptr(end)
	}
	if !progress.IsZero() && !first.midCall {
		pdd := progress.Sub(cl.start).Milliseconds()
		out.PostDialDelayMS = &pdd
	}
	if !answer.IsZero() && !end.IsZero() {
		d := end.Sub(answer).Milliseconds()
		out.DurationMS = &d
	}
	out.ReleasedBy = releasedBy
	if sipStatus != 0 {
		s := sipStatus
		out.SIPStatus = &s
	}

	// Every raw cause is kept with its source; the decisive one is the
	// highest-priority source, earliest first.
	slices.SortStableFunc(causes, func(a, b rawCause) int {
		if a.src != b.src {
			return cmp.Compare(b.src, a.src)
		}
		return a.at.Compare(b.at)
	})
	for _, rc := range causes {
		out.Causes = append(out.Causes, c.outCause(rc))
	}
	var decisive *rawCause
	if len(causes) > 0 {
		decisive = &causes[0]
	} else if sipStatus >= 300 && sipStatus != 487 {
		// 487 Request Terminated only answers the caller's CANCEL: it says
		// nothing of the called party, so no cause is derived from it.
		// Derived from the final SIP status through the mapping profile.
		rc := rawCause{value: cause.FromSIP(sipStatus, c.cfg.Mapping), src: srcSIPStatus, mapping: c.cfg.Mapping, status: sipStatus, at: end}
		out.Causes = append(out.Causes, c.outCause(rc))
		decisive = &rc
	}
	if decisive != nil {
		v := decisive.value
		out.Q850 = &v
		oc := c.outCause(*decisive)
		out.Cause = &oc
	}

	alerted := !alert.IsZero()
	switch {
	case notReachable:
		out.Outcome = outcome.SwitchedOff
		out.Evidence = append(out.Evidence, outcome.Evidence{At: out.Start, Source: outcome.SrcRule, What: "redirection reason mobile subscriber not reachable: switched_off"})
	case !answer.IsZero():
		out.Outcome = outcome.Answered
	case decisive != nil:
		out.Outcome = byCause(decisive.value, alerted, cancelled)
	case cancelled && alerted:
		out.Outcome = outcome.NoAnswer
	}
	if out.Outcome != outcome.Answered && out.Outcome != outcome.SwitchedOff && answer.IsZero() && !alerted {
		switch out.Outcome {
		case outcome.Busy, outcome.Unallocated, outcome.Rejected:
		default:
			if at, ok := c.gtpDetachedBefore(out.Called, cl.start); ok {
				out.Evidence = append(out.Evidence, outcome.Evidence{At: outcome.At(at), Source: outcome.SrcGTP, What: "data session of called MSISDN deleted before the call: switched_off"})
				out.Outcome = outcome.SwitchedOff
			}
		}
	}
	return out
}

// byCause turns a decisive Q.850 cause into an outcome (rule 3).
func byCause(v uint8, alerted, cancelled bool) outcome.Outcome {
	switch v {
	case 17:
		return outcome.Busy
	case 1, 22, 28:
		return outcome.Unallocated
	case 21, 24:
		return outcome.Rejected
	case 20:
		return outcome.SwitchedOff
	case 18:
		if alerted {
			return outcome.NoAnswer
		}
		return outcome.SwitchedOff
	case 19:
		return outcome.NoAnswer
	case 102:
		if alerted {
			return outcome.NoAnswer
		}
		return outcome.Congestion
	case 2, 3, 25, 27, 34, 38, 41, 42, 44, 47:
		return outcome.Congestion
	case 16, 31:
		if alerted {
			return outcome.NoAnswer
		}
	}
	if cancelled && alerted {
		return outcome.NoAnswer
	}
	return outcome.Unknown
}

func (c *Correlator) outCause(rc rawCause) outcome.Cause {
	info := cause.Q850(rc.value)
	oc := outcome.Cause{
		Value:  rc.value,
		Name:   info.Name,
		Class:  info.Class.String(),
		Source: rc.src.String(),
		At:     outcome.At(rc.at),
	}
	if rc.hasLoc {
		oc.Location = cause.Location(rc.location).String()
	}
	if rc.src == srcSIPStatus {
		oc.Mapping = rc.mapping.String()
		oc.Status = rc.status
	}
	return oc
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
