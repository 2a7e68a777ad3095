package sip

import (
	"net/url"
	"strings"
)

// Forwarding: why a call was forwarded before it reached the party that
// answered. Mobile voicemail is reached this way: the network forwards on
// busy, on no reply or when the subscriber is not reachable. Three places
// say so in SIP:
//
//   - Diversion (RFC 5806): reason=user-busy, no-answer, unavailable,
//     unconditional, deflection, out-of-service...
//   - History-Info (RFC 7044) entries whose URI carries the RFC 4458 cause
//     parameter (cause=486 busy, 408 no reply, 302 unconditional, 487 and
//     480 deflection, 503 not reachable, 404 unknown), or an escaped
//     Reason header field "Reason=SIP;cause=408";
//   - a Request-URI with the RFC 4458 cause parameter (a voicemail URI).
//
// RFC 4458 §3.1 defines its causes from ISUP's redirecting reasons, so the
// reasons here use Q.763 §3.45's values: 0 unknown, 1 busy, 2 no reply,
// 3 unconditional, 4 deflection during alerting, 5 deflection immediate,
// 6 mobile subscriber not reachable. A 181 Call Is Being Forwarded says
// a call was forwarded but not why: reason 0.

// Redirecting reasons (Q.763 §3.45), as Message.ForwardReason holds them.
const (
	ForwardUnknown       = 0
	ForwardBusy          = 1
	ForwardNoReply       = 2
	ForwardUnconditional = 3
	ForwardDeflectAlert  = 4
	ForwardDeflectNow    = 5
	ForwardNotReachable  = 6
)

// forwardByCause maps RFC 4458 §3.1 cause values to redirecting reasons.
func forwardByCause(c int) (int, bool) {
	switch c {
	case 404:
		return ForwardUnknown, true
	case 486:
		return ForwardBusy, true
	case 408:
		return ForwardNoReply, true
	case 302:
		return ForwardUnconditional, true
	case 487:
		return ForwardDeflectAlert, true
	case 480:
		return ForwardDeflectNow, true
	case 503:
		return ForwardNotReachable, true
	}
	return 0, false
}

// forwardByDiversion maps RFC 5806 §4 diversion reasons.
func forwardByDiversion(r string) int {
	switch strings.ToLower(strings.Trim(r, `" `)) {
	case "user-busy":
		return ForwardBusy
	case "no-answer":
		return ForwardNoReply
	case "unconditional":
		return ForwardUnconditional
	case "deflection":
		return ForwardDeflectAlert
	case "unavailable", "out-of-service":
		return ForwardNotReachable
	}
	return ForwardUnknown // time-of-day, do-not-disturb, follow-me, away, unknown
}

// forward records a forwarding reason: the first one seen wins (the
// original forwarding, as Diversion lists the latest first and History-Info
// the earliest first; both are read whole and the most specific kept).
func (m *Message) forward(reason int) {
	if !m.Forwarded || m.ForwardReason == ForwardUnknown {
		m.ForwardReason = reason
	}
	m.Forwarded = true
}

// diversion reads a Diversion header value: a list of name-addrs with a
// reason parameter each.
func (m *Message) diversion(v string) {
	for len(v) > 0 {
		var one string
		one, v = cutList(v)
		if strings.TrimSpace(one) == "" {
			continue
		}
		m.forward(forwardByDiversion(headerParam(one, "reason")))
	}
}

// historyInfo reads a History-Info header value: entries whose URI carries
// an RFC 4458 cause or an escaped Reason are forwardings. Entries without
// one are plain retargeting (a proxy's lookup) and say nothing.
func (m *Message) historyInfo(v string) {
	for len(v) > 0 {
		var one string
		one, v = cutList(v)
		uri := one
		if i, j := strings.IndexByte(one, '<'), strings.IndexByte(one, '>'); i >= 0 && j > i {
			uri = one[i+1 : j]
		}
		if r, ok := uriForward(uri); ok {
			m.forward(r)
		}
	}
}

// uriForward finds the RFC 4458 cause of a URI: its cause parameter, or an
// escaped Reason header field (?Reason=SIP%3Bcause%3D408) of a SIP cause.
func uriForward(uri string) (int, bool) {
	u, hdrs, _ := strings.Cut(uri, "?")
	for _, p := range strings.Split(u, ";")[1:] {
		name, val, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(name), "cause") {
			if r, ok := forwardByCause(atoi(strings.TrimSpace(val))); ok {
				return r, true
			}
		}
	}
	for _, h := range strings.Split(hdrs, "&") {
		name, val, _ := strings.Cut(h, "=")
		if !strings.EqualFold(name, "reason") {
			continue
		}
		if s, err := url.QueryUnescape(val); err == nil {
			val = s
		}
		if r := parseReason(val); r.Protocol == "SIP" {
			if fr, ok := forwardByCause(r.Cause); ok {
				return fr, true
			}
		}
	}
	return 0, false
}

// headerParam returns the value of the header parameter name of one
// name-addr (after its closing '>', or after the URI of an addr-spec).
func headerParam(v, name string) string {
	if i := strings.LastIndexByte(v, '>'); i >= 0 {
		v = v[i+1:]
	}
	for len(v) > 0 {
		var p string
		p, v = cutOutsideQuotes(v, ';')
		k, val, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(val)
		}
	}
	return ""
}
