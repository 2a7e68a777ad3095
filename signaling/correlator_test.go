package signaling

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/signaling/cause"
	"github.com/callsight/callsight/signaling/gtp"
	"github.com/callsight/callsight/signaling/isup"
	"github.com/callsight/callsight/signaling/sip"
)

// A tiny script language for call flows: each step happens at a capture
// offset and feeds one message to the correlator.

var t0 = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

type step struct {
	at time.Duration
	fn func(c *Correlator, at time.Time)
}

const (
	opcA = 100 // originating exchange
	dpcB = 200 // terminating exchange
)

func iam(at time.Duration, cic uint16, called, calling string) step {
	return step{at, func(c *Correlator, t time.Time) {
		m := &isup.Message{Type: isup.IAM, CIC: cic, HasCIC: true}
		m.Called = isup.Number{NAI: 4, Digits: isup.MakeDigits(called)}
		m.HasCalled = true
		if calling != "" {
			m.Calling = isup.Number{NAI: 4, Digits: isup.MakeDigits(calling)}
			m.HasCalling = true
		}
		c.ISUP(t, opcA, dpcB, 2, m)
	}}
}

// back sends a backward ISUP message (callee side to caller side).
func back(at time.Duration, cic uint16, typ isup.MessageType, edit func(m *isup.Message)) step {
	return step{at, func(c *Correlator, t time.Time) {
		m := &isup.Message{Type: typ, CIC: cic, HasCIC: true}
		if edit != nil {
			edit(m)
		}
		c.ISUP(t, dpcB, opcA, 2, m)
	}}
}

// fwd sends a forward ISUP message (caller side to callee side).
func fwd(at time.Duration, cic uint16, typ isup.MessageType, edit func(m *isup.Message)) step {
	return step{at, func(c *Correlator, t time.Time) {
		m := &isup.Message{Type: typ, CIC: cic, HasCIC: true}
		if edit != nil {
			edit(m)
		}
		c.ISUP(t, opcA, dpcB, 2, m)
	}}
}

func withCause(v, loc uint8) func(m *isup.Message) {
	return func(m *isup.Message) {
		m.Cause = isup.Cause{Value: v, Location: loc}
		m.HasCause = true
	}
}

func free(m *isup.Message) {
	m.BCI.CalledPartyStatus = isup.CalledStatusSubscriberFree
	m.HasBCI = true
}

// sipReq and sipResp build SIP messages of one dialog "c1".
func sipMsg(at time.Duration, callID string, edit func(m *sip.Message)) step {
	return step{at, func(c *Correlator, t time.Time) {
		m := &sip.Message{CallID: callID, FromTag: "caller", CSeq: 1, CSeqMethod: "INVITE",
			FromUser: "+74951112233", ToUser: "79161234567", RequestURIUser: "+79161234567"}
		edit(m)
		c.SIP(t, m, nil, nil)
	}}
}

func invite(at time.Duration, callID string) step {
	return sipMsg(at, callID, func(m *sip.Message) { m.Request, m.Method = true, "INVITE" })
}

func resp(at time.Duration, callID string, status int, reasons ...sip.Reason) step {
	return sipMsg(at, callID, func(m *sip.Message) {
		m.Status, m.Method, m.ToTag, m.Reasons = status, "INVITE", "callee", reasons
	})
}

func req(at time.Duration, callID, method string, fromCaller bool, reasons ...sip.Reason) step {
	return sipMsg(at, callID, func(m *sip.Message) {
		m.Request, m.Method, m.CSeqMethod, m.ToTag, m.Reasons = true, method, method, "callee", reasons
		m.CSeq = 2
		if method == "CANCEL" {
			m.CSeq, m.ToTag = 1, ""
		}
		if !fromCaller {
			m.FromTag, m.ToTag = "callee", "caller"
		}
	})
}

func q850(v int) sip.Reason { return sip.Reason{Protocol: "Q.850", Cause: v} }

func replay(t *testing.T, cfg Config, steps ...step) []*outcome.Call {
	t.Helper()
	var calls []*outcome.Call
	c, err := New(cfg, func(oc *outcome.Call) { calls = append(calls, oc) })
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		at := t0.Add(s.at)
		c.Advance(at)
		s.fn(c, at)
	}
	c.Flush()
	return calls
}

type want struct {
	outcome    outcome.Outcome
	q850       int // -1: null
	source     string
	releasedBy string
	legs       string
}

func describe(c *outcome.Call) want {
	w := want{outcome: c.Outcome, q850: -1, releasedBy: c.ReleasedBy}
	if c.Q850 != nil {
		w.q850 = int(*c.Q850)
	}
	if c.Cause != nil {
		w.source = c.Cause.Source
		if c.Cause.Mapping != "" {
			w.source += "/" + c.Cause.Mapping
		}
	}
	var kinds []string
	for _, l := range c.Legs {
		kinds = append(kinds, string(l.Kind))
	}
	w.legs = strings.Join(kinds, "+")
	return w
}

func TestOutcomes(t *testing.T) {
	s := time.Second
	q1912 := DefaultConfig()
	q1912.Mapping = cause.Q1912_5
	tests := []struct {
		name  string
		cfg   Config
		steps []step
		want  want
	}{
		{"isup answered, caller hangs up", DefaultConfig(), []step{
			iam(0, 7, "79161234567", "74951112233"), back(2*s, 7, isup.ACM, free), back(9*s, 7, isup.ANM, nil),
			fwd(40*s, 7, isup.REL, withCause(16, 0)), back(40*s+50*time.Millisecond, 7, isup.RLC, nil),
		}, want{outcome.Answered, 16, "isup_rel", "caller", "isup"}},
		{"isup busy", DefaultConfig(), []step{
			iam(0, 7, "79161234567", ""), back(1*s, 7, isup.REL, withCause(17, 0)),
		}, want{outcome.Busy, 17, "isup_rel", "callee", "isup"}},
		{"isup cause 18 without alerting: switched off", DefaultConfig(), []step{
			iam(0, 7, "79161234567", ""), back(20*s, 7, isup.REL, withCause(18, 2)),
		}, want{outcome.SwitchedOff, 18, "isup_rel", "network", "isup"}},
		{"isup cause 18 after alerting: no answer", DefaultConfig(), []step{
			iam(0, 7, "79161234567", ""), back(2*s, 7, isup.ACM, free), back(30*s, 7, isup.REL, withCause(18, 2)),
		}, want{outcome.NoAnswer, 18, "isup_rel", "network", "isup"}},
		{"isup cause 20", DefaultConfig(), []step{
			iam(0, 7, "79161234567", ""), back(3*s, 7, isup.REL, withCause(20, 2)),
		}, want{outcome.SwitchedOff, 20, "isup_rel", "network", "isup"}},
		{"isup redirection not reachable then voicemail answers", DefaultConfig(), []step{
			iam(0, 7, "79161234567", ""),
			back(2*s, 7, isup.ACM, func(m *isup.Message) {
				m.Redirection = isup.RedirectionInformation{Indicator: 3, Reason: 6}
				m.HasRedirection = true
			}),
			back(3*s, 7, isup.ANM, nil), fwd(20*s, 7, isup.REL, withCause(16, 0)),
		}, want{outcome.SwitchedOff, 16, "isup_rel", "caller", "isup"}},
		{"isup mid-call capture", DefaultConfig(), []step{
			back(0, 9, isup.ANM, nil), back(5*s, 9, isup.REL, withCause(16, 0)),
		}, want{outcome.Answered, 16, "isup_rel", "callee", "isup"}},
		{"isup unanswered, capture ends: unknown", DefaultConfig(), []step{
			iam(0, 7, "79161234567", ""), back(2*s, 7, isup.ACM, nil),
		}, want{outcome.Unknown, -1, "", "", "isup"}},
		{"sip 486 derived through rfc3398", DefaultConfig(), []step{
			invite(0, "c1"), resp(100*time.Millisecond, "c1", 100), resp(2*s, "c1", 486),
		}, want{outcome.Busy, 17, "sip_status/rfc3398", "callee", "sip"}},
		{"sip 480 bare, no alerting: rfc3398 gives 18", DefaultConfig(), []step{
			invite(0, "c1"), resp(2*s, "c1", 480),
		}, want{outcome.SwitchedOff, 18, "sip_status/rfc3398", "callee", "sip"}},
		{"sip 480 bare after ringing: no answer", DefaultConfig(), []step{
			invite(0, "c1"), resp(2*s, "c1", 180), resp(30*s, "c1", 480),
		}, want{outcome.NoAnswer, 18, "sip_status/rfc3398", "callee", "sip"}},
		{"sip 480 under q1912.5 gives 20", q1912, []step{
			invite(0, "c1"), resp(2*s, "c1", 180), resp(30*s, "c1", 480),
		}, want{outcome.SwitchedOff, 20, "sip_status/q1912.5", "callee", "sip"}},
		{"sip reason beats status", DefaultConfig(), []step{
			invite(0, "c1"), resp(2*s, "c1", 480, sip.Reason{Protocol: "SIP", Cause: 480}, q850(20)),
		}, want{outcome.SwitchedOff, 20, "sip_reason", "callee", "sip"}},
		{"sip 503 with cause 34", DefaultConfig(), []step{
			invite(0, "c1"), resp(1*s, "c1", 503, q850(34)),
		}, want{outcome.Congestion, 34, "sip_reason", "network", "sip"}},
		{"sip cancel after ringing", DefaultConfig(), []step{
			invite(0, "c1"), resp(2*s, "c1", 180), req(25*s, "c1", "CANCEL", true), resp(25*s+10*time.Millisecond, "c1", 487),
		}, want{outcome.NoAnswer, -1, "", "caller", "sip"}},
		{"sip cancel crosses 200: answered", DefaultConfig(), []step{
			invite(0, "c1"), resp(2*s, "c1", 180), req(25*s, "c1", "CANCEL", true), resp(25*s+1*time.Millisecond, "c1", 200),
			req(40*s, "c1", "BYE", false, q850(16)),
		}, want{outcome.Answered, 16, "sip_reason", "callee", "sip"}},
		{"sip 407 then credentials then 404", DefaultConfig(), []step{
			invite(0, "c1"), resp(50*time.Millisecond, "c1", 407),
			sipMsg(30*s, "c1", func(m *sip.Message) { m.Request, m.Method, m.CSeq = true, "INVITE", 2 }),
			sipMsg(31*s, "c1", func(m *sip.Message) { m.Status, m.CSeq, m.ToTag = 404, 2, "x" }),
		}, want{outcome.Unallocated, 1, "sip_status/rfc3398", "network", "sip"}},
		{"sip leg stitched with isup leg: REL cause wins", DefaultConfig(), []step{
			invite(0, "gw1"), iam(300*time.Millisecond, 11, "79161234567", "74951112233"),
			back(2*s, 11, isup.REL, withCause(17, 0)), resp(2*s+20*time.Millisecond, "gw1", 486, q850(17)),
		}, want{outcome.Busy, 17, "isup_rel", "callee", "sip+isup"}},
		{"gtp detach before an unalerted failure", DefaultConfig(), []step{
			{0, func(c *Correlator, t time.Time) {
				c.GTP(t, &gtp.Message{Version: 2, Op: gtp.OpCreateRequest, Seq: 5, IMSI: "250011234567890", MSISDN: "79161234567", ControlTEID: 0xa1, HasControlTEID: true})
			}},
			{10 * time.Millisecond, func(c *Correlator, t time.Time) {
				c.GTP(t, &gtp.Message{Version: 2, Op: gtp.OpCreateResponse, Seq: 5, TEID: 0xa1, HasTEID: true, Cause: 16, HasCause: true, Accepted: true, ControlTEID: 0xb2, HasControlTEID: true})
			}},
			{time.Minute, func(c *Correlator, t time.Time) {
				c.GTP(t, &gtp.Message{Version: 2, Op: gtp.OpDeleteRequest, Seq: 6, TEID: 0xb2, HasTEID: true})
			}},
			invite(2*time.Minute, "c9"), resp(2*time.Minute+8*s, "c9", 408),
		}, want{outcome.SwitchedOff, 102, "sip_status/rfc3398", "network", "sip"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := replay(t, tt.cfg, tt.steps...)
			if len(calls) != 1 {
				for _, c := range calls {
					t.Logf("call %s %s", c.CallID, c.Outcome)
				}
				t.Fatalf("got %d calls, want 1", len(calls))
			}
			if got := describe(calls[0]); got != tt.want {
				t.Errorf("got %+v\nwant %+v\nevidence: %v", got, tt.want, calls[0].Evidence)
			}
		})
	}
}

// A new IAM on a circuit closes the call it carried; calls come out in
// start order whatever order they finish in.
func TestCircuitReuseAndOrder(t *testing.T) {
	s := time.Second
	calls := replay(t, DefaultConfig(),
		iam(0, 7, "79161234567", ""),              // call 1, never released
		iam(1*s, 8, "79160000001", ""),            // call 2
		back(2*s, 8, isup.REL, withCause(1, 2)),   // call 2 ends first
		iam(60*s, 7, "79169999999", ""),           // call 3 on call 1's circuit
		back(61*s, 7, isup.REL, withCause(17, 0)), // call 3 busy
	)
	var got []string
	for _, c := range calls {
		got = append(got, fmt.Sprintf("%s:%s", c.Called, c.Outcome))
	}
	want := "79161234567:unknown 79160000001:unallocated 79169999999:busy"
	if strings.Join(got, " ") != want {
		t.Errorf("calls = %v, want %s", got, want)
	}
	if calls[0].End == nil || !calls[0].End.Equal(t0.Add(60*s)) {
		t.Errorf("call 1 end = %v, want closed by the new IAM at 60 s", calls[0].End)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	bad := DefaultConfig()
	bad.SetupTimeout = 0
	bad.MaxLegs = -1
	if err := bad.Validate(); err == nil {
		t.Fatal("Validate accepted a zero setup timeout and negative max legs")
	}
}

// Live service emits a finished call without waiting for a longer call
// that started before it; replay keeps start order.
func TestEmitWhenReady(t *testing.T) {
	s := time.Second
	for _, ready := range []bool{false, true} {
		cfg := DefaultConfig()
		cfg.EmitWhenReady = ready
		var emitted []string
		c, err := New(cfg, func(oc *outcome.Call) { emitted = append(emitted, oc.CallID) })
		if err != nil {
			t.Fatal(err)
		}
		var atTen []string
		steps := []step{
			invite(0, "long"), resp(1*s, "long", 200),
			invite(2*s, "short"), resp(3*s, "short", 486),
			{10 * time.Minute, func(*Correlator, time.Time) { atTen = append([]string(nil), emitted...) }},
			req(time.Hour, "long", "BYE", true),
		}
		for _, st := range steps {
			at := t0.Add(st.at)
			c.Advance(at)
			st.fn(c, at)
		}
		c.Flush()
		wantTen, wantAll := "", "long short"
		if ready {
			wantTen, wantAll = "short", "short long"
		}
		if got := strings.Join(atTen, " "); got != wantTen {
			t.Errorf("EmitWhenReady=%v: emitted after 10 min: %q, want %q", ready, got, wantTen)
		}
		if got := strings.Join(emitted, " "); got != wantAll {
			t.Errorf("EmitWhenReady=%v: emitted %q, want %q", ready, got, wantAll)
		}
	}
}
