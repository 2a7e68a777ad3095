package sip

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad hex fixture: %v", err)
	}
	return b
}

// crlf turns a readable LF-only message into wire form.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// summary is what the tables compare: Message without its aliased bytes.
type summary struct {
	Request                   bool
	Method                    string
	Status                    int
	ReasonPhrase              string
	RequestURIUser            string
	CallID, FromTag, ToTag    string
	Branch                    string
	CSeq                      uint32
	CSeqMethod                string
	RSeq                      uint32
	Require100rel             bool
	FromUser, ToUser, PAIUser string
	Reasons                   []Reason
	ContentType               string
	ContentLength             int
	BodyLen                   int
	SDP                       []string // first line .. last line of each SDP body
	ISUP                      []isupSummary
	UserAgent, Server         string
}

type isupSummary struct {
	Version, Base string
	Len           int
	Type          byte // ISUP message type code (first byte)
}

func summarize(m *Message) summary {
	s := summary{
		Request: m.Request, Method: m.Method, Status: m.Status, ReasonPhrase: m.ReasonPhrase,
		RequestURIUser: m.RequestURIUser, CallID: m.CallID, FromTag: m.FromTag, ToTag: m.ToTag,
		Branch: m.Branch, CSeq: m.CSeq, CSeqMethod: m.CSeqMethod, RSeq: m.RSeq, Require100rel: m.Require100rel,
		FromUser: m.FromUser, ToUser: m.ToUser, PAIUser: m.PAIUser, Reasons: m.Reasons,
		ContentType: m.ContentType, ContentLength: m.ContentLength, BodyLen: len(m.Body),
		UserAgent: m.UserAgent, Server: m.Server,
	}
	for _, b := range m.SDP {
		lines := strings.Split(strings.TrimRight(string(b), "\r\n"), "\n")
		s.SDP = append(s.SDP, strings.TrimSpace(lines[0])+" .. "+strings.TrimSpace(lines[len(lines)-1]))
	}
	for _, i := range m.ISUP {
		is := isupSummary{Version: i.Version, Base: i.Base, Len: len(i.Data)}
		if len(i.Data) > 0 {
			is.Type = i.Data[0]
		}
		s.ISUP = append(s.ISUP, is)
	}
	return s
}

var cmpOpts = cmp.Options{cmpopts.EquateEmpty()}

// TestDecodeCorpus decodes real messages; the expected Call-ID, method,
// status, CSeq, tags, branch and Reason cause were checked against tshark
// 4.x (sip.Call-ID, sip.Method, sip.Status-Code, sip.CSeq.seq, sip.from.tag,
// sip.to.tag, sip.Via.branch, sip.reason_cause_q850, sip.RSeq, sip.pai.user).
func TestDecodeCorpus(t *testing.T) {
	tests := []struct {
		name    string
		hex     string
		want    summary
		wantErr error
	}{
		{"aaa 480 q.850 lower case", hexAaa480, summary{
			Method: "INVITE", Status: 480, ReasonPhrase: "Error",
			CallID: "11894297-4432a9f8@192.168.1.2", FromTag: "b56e6e", ToTag: "00-04075-1701baa2-2dfdf7c21",
			Branch: "z9hG4bKnp10144774-4725f980192.168.1.2", CSeq: 2, CSeqMethod: "INVITE",
			FromUser: "35104723", ToUser: "35104724",
			Reasons: []Reason{{Protocol: "Q.850", Cause: 21}}, ContentLength: 0, Server: "Cirpack/v4.38e (gw_sip)",
		}, nil},
		{"tcp BYE spaced reason", hexTcpBye, summary{
			Request: true, Method: "BYE", RequestURIUser: "101",
			CallID: "158936656982201062716@10.33.6.100", FromTag: "1c342958875", ToTag: "1c1589367133",
			Branch: "z9hG4bKac359152811", CSeq: 1, CSeqMethod: "BYE", FromUser: "201", ToUser: "101",
			Reasons: []Reason{{Protocol: "Q.850", Cause: 16, Text: "local"}}, ContentLength: 0,
			UserAgent: "GW/v.6.20A.027.012",
		}, nil},
		{"g711 INVITE with SDP", hexG711Invite, summary{
			Request: true, Method: "INVITE", RequestURIUser: "test", CallID: "1-1966@10.0.2.20", FromTag: "1",
			Branch: "z9hG4bK-1966-1-0", CSeq: 1, CSeqMethod: "INVITE", FromUser: "sipp", ToUser: "test",
			ContentType: "application/sdp", ContentLength: 123, BodyLen: 123,
			SDP: []string{"v=0 .. a=recvonly"},
		}, nil},
		{"g711 200 OK with SDP", hexG711OK, summary{
			Method: "INVITE", Status: 200, ReasonPhrase: "OK", CallID: "1-1966@10.0.2.20", FromTag: "1",
			ToTag: "QvN92t713vSZK", Branch: "z9hG4bK-1966-1-0", CSeq: 1, CSeqMethod: "INVITE",
			FromUser: "sipp", ToUser: "test", ContentType: "application/sdp", ContentLength: 226, BodyLen: 226,
			SDP: []string{"v=0 .. a=ptime:20"}, UserAgent: "FreeSWITCH-mod_sofia/1.6.12-20-b91a0a6~64bit",
		}, nil},
		{"g711 BYE reason text", hexG711Bye, summary{
			Request: true, Method: "BYE", RequestURIUser: "sipp", CallID: "1-1966@10.0.2.20",
			FromTag: "QvN92t713vSZK", ToTag: "1", Branch: "z9hG4bKj14v7jcDQN1Kj", CSeq: 99749930, CSeqMethod: "BYE",
			FromUser: "test", ToUser: "sipp", Reasons: []Reason{{Protocol: "Q.850", Cause: 16, Text: "NORMAL_CLEARING"}},
			ContentLength: 0, UserAgent: "FreeSWITCH-mod_sofia/1.6.12-20-b91a0a6~64bit",
		}, nil},
		{"ipv6 183 100rel", hexV6183, summary{
			Method: "INVITE", Status: 183, ReasonPhrase: "Session Progress",
			CallID:  "71846-1647924829-397430@fd17:625c:f037:2:a00:27ff:feb9:1521",
			FromTag: "397430SIPpTag0071846", ToTag: "1632476SIPpTag0171847",
			Branch: "z9hG4bK-333138-f3b6705d5de367dfb415ff898550f9c2", CSeq: 1, CSeqMethod: "INVITE",
			RSeq: 1, Require100rel: true, FromUser: "sipp", ToUser: "mcr",
			ContentType: "application/sdp", ContentLength: 274, BodyLen: 274,
			SDP: []string{"v=0 .. a=rtpmap:121 telephone-event/16000"},
		}, nil},
		{"ipv6 PRACK", hexV6Prack, summary{
			Request: true, Method: "PRACK",
			CallID:  "71846-1647924829-397430@fd17:625c:f037:2:a00:27ff:feb9:1521",
			FromTag: "397430SIPpTag0071846", ToTag: "1632476SIPpTag0171847",
			Branch: "z9hG4bK-397430-71846-3", CSeq: 2, CSeqMethod: "PRACK", FromUser: "sipp", ToUser: "mcr",
			ContentLength: 0,
		}, nil},
		{"SIP-I multipart with ISUP", hexSipI, summary{
			Request: true, Method: "INVITE",
			RequestURIUser: "+18445618378;cic=0913;tgrp=ATLNGAQSNXC_2099;trunk-context=18.235.12.12",
			CallID:         "285783695_133494394@216.221.155.72", FromTag: "gK08682a0f",
			Branch: "z9hG4bK08Bfd7f987dc3738d13", CSeq: 996909, CSeqMethod: "INVITE",
			FromUser: "+13107401983", ToUser: "8445618378", PAIUser: "+13107401983",
			ContentType: "multipart/mixed;boundary=sonus-content-delim", ContentLength: 617, BodyLen: 617,
			SDP:  []string{"v=0 .. a=maxptime:20"},
			ISUP: []isupSummary{{Version: "ansi88", Base: "ansi88", Len: 35, Type: 0x01}},
		}, nil},
		{"503 REGISTER", hexPp503, summary{
			Method: "REGISTER", Status: 503, ReasonPhrase: "Service Unavailable", CallID: "1831883062",
			FromTag: "193822779", ToTag: "z9hG4bKPjGE3INi51plg2DTc0WHnSGS0eld7PiYeo", Branch: "z9hG4bK2111620547",
			CSeq: 1, CSeqMethod: "REGISTER", FromUser: "user155", ToUser: "user155", ContentLength: 0,
		}, nil},
		{"BYE cut inside headers", hexPpReqBye, summary{
			Request: true, Method: "BYE", RequestURIUser: "sipp", CallID: "1-4247@10.0.2.20",
			FromTag: "j6QZcFDB22vSN", ToTag: "1", Branch: "z9hG4bKHUc1tjFS5809r", CSeq: 99791795, CSeqMethod: "BYE",
			FromUser: "test", ToUser: "sipp", Reasons: []Reason{{Protocol: "Q.850", Cause: 16, Text: "NORMAL_CLEARING"}},
			ContentLength: -1, UserAgent: "FreeSWITCH-mod_sofia/1.6.12-20-b91a0a6~64bit",
		}, ErrTruncated},
		{"INVITE with Content-Length: bad", hexZeekBadCL, summary{
			Request: true, Method: "INVITE", RequestURIUser: "bob", CallID: "a84b4c76e66710@10.0.0.1",
			FromTag: "1928301774", Branch: "z9hG4bK776", CSeq: 1, CSeqMethod: "INVITE",
			FromUser: "alice", ToUser: "bob", ContentLength: -1,
		}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			err := m.Decode(mustHex(t, tt.hex))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("Decode error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, summarize(&m), cmpOpts); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// request builds a minimal INVITE with extra header lines and a body.
func request(extra, body string) []byte {
	return []byte(requestString(extra, body))
}

func requestString(extra, body string) string {
	return string(crlf("INVITE sip:+15551234@example.com SIP/2.0\n"+
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\n"+
		"From: <sip:alice@example.com>;tag=a\n"+
		"To: <sip:bob@example.com>\n"+
		"Call-ID: c1@example.com\n"+
		"CSeq: 1 INVITE\n"+extra+"\n")) + body
}

func TestDecodeReasons(t *testing.T) {
	tests := []struct {
		name    string
		headers string
		want    []Reason
	}{
		{"q850 plain", "Reason: Q.850;cause=16;text=\"NORMAL_CLEARING\"\n",
			[]Reason{{"Q.850", 16, "NORMAL_CLEARING"}}},
		{"lower case protocol", "Reason: q.850;cause=21\n", []Reason{{"Q.850", 21, ""}}},
		{"spaces around ; and =", "Reason: Q.850 ;cause = 16 ; text = \"local\"\n", []Reason{{"Q.850", 16, "local"}}},
		{"SIP cause", "Reason: SIP;cause=600;text=\"Busy Everywhere\"\n", []Reason{{"SIP", 600, "Busy Everywhere"}}},
		{"two headers", "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\nREASON: Q.850;CAUSE=26\n",
			[]Reason{{"SIP", 200, "Call completed elsewhere"}, {"Q.850", 26, ""}}},
		{"comma joined", "Reason: SIP ;cause=580;text=\"Precondition Failure\", Q.850 ;cause=47\n",
			[]Reason{{"SIP", 580, "Precondition Failure"}, {"Q.850", 47, ""}}},
		{"quoted comma and semicolon", "Reason: Q.850;text=\"busy, try; later\";cause=17,SIP;cause=486\n",
			[]Reason{{"Q.850", 17, "busy, try; later"}, {"SIP", 486, ""}}},
		{"escaped quote", `Reason: SIP;cause=503;text="say \"no\""` + "\n", []Reason{{"SIP", 503, `say "no"`}}},
		{"unknown protocol kept", "Reason: preemption ;cause=1 ;text=\"UA Preemption\"\n",
			[]Reason{{"preemption", 1, "UA Preemption"}}},
		{"bad cause is 0", "Reason: Q.850;cause=abc\n", []Reason{{"Q.850", 0, ""}}},
		{"empty values skipped", "Reason: ,Q.850;cause=31,\n", []Reason{{"Q.850", 31, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			b := request(tt.headers+"Content-Length: 0\n", "")
			if err := m.Decode(b); err != nil {
				t.Fatalf("Decode(%q) error: %v", b, err)
			}
			if diff := cmp.Diff(tt.want, m.Reasons, cmpOpts); diff != "" {
				t.Errorf("Reasons for %q (-want +got):\n%s", tt.headers, diff)
			}
		})
	}
}

func TestDecodeVariants(t *testing.T) {
	longVia := strings.Repeat("Via: SIP/2.0/UDP proxy.example.com:5060;branch=z9hG4bK-long\n", 1) +
		"Record-Route: " + strings.Repeat("<sip:p.example.com;lr>,", 300) + "<sip:last.example.com;lr>\n"
	tests := []struct {
		name  string
		msg   []byte
		check func(t *testing.T, m *Message)
	}{
		{"LF-only line endings", []byte("BYE sip:bob@h SIP/2.0\nv: SIP/2.0/UDP h;branch=z9hG4bKx\nf: <sip:a@h>;tag=1\nt: <sip:b@h>;tag=2\ni: lf@h\nCSeq: 2 BYE\nl: 0\n\n"),
			func(t *testing.T, m *Message) {
				want := summary{Request: true, Method: "BYE", RequestURIUser: "bob", CallID: "lf@h", FromTag: "1", ToTag: "2",
					Branch: "z9hG4bKx", CSeq: 2, CSeqMethod: "BYE", FromUser: "a", ToUser: "b", ContentLength: 0}
				if diff := cmp.Diff(want, summarize(m), cmpOpts); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}},
		{"compact forms and case", crlf("SIP/2.0 180 Ringing\nV: SIP/2.0/UDP h;branch=z9hG4bKc\nF: \"A\" <sip:a@h>;tag=1\nT: sip:b@h;tag=2\nI: compact@h\ncseq: 1 INVITE\nC: application/sdp\nL: 13\n\nv=0\r\no=- 1 1 x\r\n"),
			func(t *testing.T, m *Message) {
				want := summary{Method: "INVITE", Status: 180, ReasonPhrase: "Ringing", CallID: "compact@h", FromTag: "1", ToTag: "2",
					Branch: "z9hG4bKc", CSeq: 1, CSeqMethod: "INVITE", FromUser: "a", ToUser: "b",
					ContentType: "application/sdp", ContentLength: 13, BodyLen: 13, SDP: []string{"v=0 .. o=- 1 1"}}
				if diff := cmp.Diff(want, summarize(m), cmpOpts); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}},
		{"tel URIs and PAI list", crlf("INVITE tel:+15551234;phone-context=example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKt\n" +
			"From: \"Ann, Sales\" <tel:+7-495-123-45-67>;tag=f\nTo: tel:+15551234;tag=t\nCall-ID: tel@h\nCSeq: 1 INVITE\n" +
			"P-Asserted-Identity: \"Ann, Sales\" <sip:+74951234567@h;user=phone>, <tel:+74951234567>\nContent-Length: 0\n\n"),
			func(t *testing.T, m *Message) {
				got := []string{m.RequestURIUser, m.FromUser, m.ToUser, m.PAIUser, m.FromTag, m.ToTag}
				want := []string{"+15551234;phone-context=example.com", "+7-495-123-45-67", "+15551234", "+74951234567", "f", "t"}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("users and tags (-want +got):\n%s", diff)
				}
				if d := Digits(m.RequestURIUser); d != "15551234" {
					t.Errorf("Digits(%q) = %q, want 15551234", m.RequestURIUser, d)
				}
			}},
		{"PAI tel only", request("P-Asserted-Identity: <tel:+4930123>\nContent-Length: 0\n", ""),
			func(t *testing.T, m *Message) {
				if m.PAIUser != "+4930123" {
					t.Errorf("PAIUser = %q, want +4930123", m.PAIUser)
				}
			}},
		{"no Content-Length over UDP: body is the rest", request("Content-Type: application/sdp\n", "v=0\r\nc=IN IP4 192.0.2.1\r\n"),
			func(t *testing.T, m *Message) {
				if m.ContentLength != -1 || len(m.SDP) != 1 || string(m.SDP[0]) != "v=0\r\nc=IN IP4 192.0.2.1\r\n" {
					t.Errorf("ContentLength %d SDP %q, want -1 and the whole body", m.ContentLength, m.SDP)
				}
			}},
		{"Content-Length shorter than the data", request("Content-Type: application/sdp\nContent-Length: 5\n", "v=0\r\ngarbage"),
			func(t *testing.T, m *Message) {
				if string(m.Body) != "v=0\r\n" {
					t.Errorf("Body = %q, want %q", m.Body, "v=0\r\n")
				}
			}},
		{"quoted boundary, LF-only body, nested multipart, ISUP in upper case", request(
			"Content-Type: multipart/related; boundary=\"outer b\"\n",
			"preamble\n--outer b\nContent-Type: application/SDP\n\nv=0\nm=audio 1 RTP/AVP 0\n"+
				"--outer b\nContent-Type: multipart/mixed;boundary=inner\n\n--inner\nContent-Type: APPLICATION/ISUP; Version=itu-t92+ ;base=\"itu-t92+\"\nContent-Disposition: signal; handling=optional\n\n\x01\x00\x0a\x02\n--inner--\n"+
				"--outer b--\n"),
			func(t *testing.T, m *Message) {
				want := summary{SDP: []string{"v=0 .. m=audio 1 RTP/AVP 0"},
					ISUP: []isupSummary{{Version: "itu-t92+", Base: "itu-t92+", Len: 4, Type: 1}}}
				got := summarize(m)
				got = summary{SDP: got.SDP, ISUP: got.ISUP}
				if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}},
		{"SDP without Content-Type", request("Content-Length: 5\n", "v=0\r\n"),
			func(t *testing.T, m *Message) {
				if len(m.SDP) != 1 {
					t.Errorf("SDP = %q, want the body", m.SDP)
				}
			}},
		{"very long headers", request(longVia+"Content-Length: 0\n", ""),
			func(t *testing.T, m *Message) {
				if m.Branch != "z9hG4bK1" || m.CallID != "c1@example.com" {
					t.Errorf("Branch %q CallID %q", m.Branch, m.CallID)
				}
			}},
		{"comma-joined Via: top branch", crlf("SIP/2.0 200 OK\nVia: SIP/2.0/UDP a;branch=z9hG4bKtop, SIP/2.0/UDP b;branch=z9hG4bKnext\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>;tag=2\nCall-ID: v@h\nCSeq: 1 BYE\nContent-Length: 0\n\n"),
			func(t *testing.T, m *Message) {
				if m.Branch != "z9hG4bKtop" {
					t.Errorf("Branch = %q, want z9hG4bKtop", m.Branch)
				}
			}},
		{"folded header", request("Subject: a\n  folded\nRequire: timer,\n 100REL\nRSeq: 7\nContent-Length: 0\n", ""),
			func(t *testing.T, m *Message) {
				if !m.Require100rel || m.RSeq != 7 {
					t.Errorf("Require100rel %v RSeq %d, want true 7", m.Require100rel, m.RSeq)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			if err := m.Decode(tt.msg); err != nil {
				t.Fatalf("Decode(%q) error: %v", tt.msg, err)
			}
			tt.check(t, &m)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	rtp := mustHex(t, "80000001000000a0deadbeefd5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5")
	tests := []struct {
		name string
		msg  []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"RTP packet", rtp, ErrMalformed},
		{"random text", []byte("hello world\r\n\r\n"), ErrMalformed},
		{"bad status code", crlf("SIP/2.0 abc OK\nCall-ID: x\nCSeq: 1 BYE\n\n"), ErrMalformed},
		{"status out of range", crlf("SIP/2.0 999 Odd\nCall-ID: x\nCSeq: 1 BYE\n\n"), ErrMalformed},
		{"header without colon", crlf("BYE sip:a@h SIP/2.0\nCall-ID: x\nCSeq 1 BYE\n\n"), ErrMalformed},
		{"no Call-ID", crlf("BYE sip:a@h SIP/2.0\nCSeq: 1 BYE\nContent-Length: 0\n\n"), ErrMalformed},
		{"bad CSeq", crlf("BYE sip:a@h SIP/2.0\nCall-ID: x\nCSeq: one BYE\nContent-Length: 0\n\n"), ErrMalformed},
		{"bad RSeq", crlf("SIP/2.0 183 P\nCall-ID: x\nCSeq: 1 INVITE\nRSeq: x\nContent-Length: 0\n\n"), ErrMalformed},
		{"headers cut", crlf("BYE sip:a@h SIP/2.0\nCall-ID: x\nCSeq: 1 BYE\nContent-Len"), ErrTruncated},
		{"body shorter than Content-Length", crlf("BYE sip:a@h SIP/2.0\nCall-ID: x\nCSeq: 1 BYE\nContent-Length: 100\n\nv=0"), ErrTruncated},
		{"multipart without boundary", request("Content-Type: multipart/mixed\nContent-Length: 4\n", "abcd"), ErrMalformed},
		{"multipart with a wrong boundary", request("Content-Type: multipart/mixed;boundary=x\nContent-Length: 11\n", "--y\r\n\r\nabc\r\n"), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			err := m.Decode(tt.msg)
			if !errors.Is(err, tt.want) {
				t.Errorf("Decode(%q) error = %v, want %v", tt.msg, err, tt.want)
			}
		})
	}
	// The message is still decoded as far as possible.
	var m Message
	_ = m.Decode(crlf("BYE sip:a@h SIP/2.0\nCall-ID: kept\nCSeq: 1 BYE\nContent-Length: 100\n\nv=0"))
	if m.CallID != "kept" || string(m.Body) != "v=0" {
		t.Errorf("after a short body: CallID %q Body %q, want kept and v=0", m.CallID, m.Body)
	}
}

// TestDecodeReuse checks that decoding into a used Message equals decoding
// into a fresh one.
func TestDecodeReuse(t *testing.T) {
	var reused Message
	for _, h := range []string{hexSipI, hexG711OK, hexTcpBye, hexSipI, hexAaa480, hexV6183} {
		b := mustHex(t, h)
		var fresh Message
		errF := fresh.Decode(b)
		errR := reused.Decode(b)
		if fmt.Sprint(errF) != fmt.Sprint(errR) {
			t.Errorf("errors differ: fresh %v reused %v", errF, errR)
		}
		if diff := cmp.Diff(summarize(&fresh), summarize(&reused), cmpOpts); diff != "" {
			t.Errorf("reused Message differs (-fresh +reused):\n%s", diff)
		}
	}
}

func TestDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"74951234567", "74951234567"},
		{"+7 (495) 123-45-67;user=phone", "74951234567"},
		{"+15551234;phone-context=example.com", "15551234"},
		{"+1.555.123.4567", "15551234567"},
		{"+18445618378;cic=0913;tgrp=ATLNGAQSNXC_2099", "18445618378"},
		{"alice", ""},
		{"1001a", ""},
		{"*67", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Digits(tt.in); got != tt.want {
			t.Errorf("Digits(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = Digits("74951234567;user=phone") }); n != 0 {
		t.Errorf("Digits of a clean number allocates %v times, want 0", n)
	}
}

func TestLooksLikeSIP(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"INVITE", mustHex(t, hexG711Invite), true},
		{"response", mustHex(t, hexAaa480), true},
		{"SIP-I INVITE with tel-like user", mustHex(t, hexSipI), true},
		{"PRACK with IPv6 host", mustHex(t, hexV6Prack), true},
		{"LF only", []byte("OPTIONS sip:h SIP/2.0\nVia: x\n\n"), true},
		{"tel URI", []byte("INFO tel:+1555 SIP/2.0\r\n"), true},
		{"RTP", mustHex(t, "80000001000000a0deadbeefd5d5d5d5d5d5d5d5"), false},
		{"keep-alive", []byte("\r\n\r\n"), false},
		{"HTTP", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false},
		{"method without URI scheme", []byte("INVITE bob SIP/2.0\r\n"), false},
		{"unknown method", []byte("FOO sip:a@h SIP/2.0\r\n"), false},
		{"lower case method", []byte("invite sip:a@h SIP/2.0\r\n"), false},
		{"wrong version", []byte("INVITE sip:a@h SIP/3.0\r\n"), false},
		{"no line end", []byte("INVITE sip:a@h SIP/2.0"), false},
		{"status without code", []byte("SIP/2.0 OK fine\r\n"), false},
		{"short", []byte("SIP/2.0 "), false},
	}
	for _, tt := range tests {
		if got := LooksLikeSIP(tt.b); got != tt.want {
			t.Errorf("%s: LooksLikeSIP(%q) = %v, want %v", tt.name, tt.b[:min(len(tt.b), 40)], got, tt.want)
		}
	}
	rtp := mustHex(t, "80000001000000a0deadbeefd5d5d5d5d5d5d5d5")
	inv := mustHex(t, hexG711Invite)
	if n := testing.AllocsPerRun(100, func() { LooksLikeSIP(rtp); LooksLikeSIP(inv) }); n != 0 {
		t.Errorf("LooksLikeSIP allocates %v times, want 0", n)
	}
}

// TestDecodeAllocs bounds the allocations of a whole decode: sipgo's parser
// copies every header, so it is not 0, but it must not grow unnoticed.
func TestDecodeAllocs(t *testing.T) {
	b := mustHex(t, hexG711Invite)
	var m Message
	n := testing.AllocsPerRun(50, func() { _ = m.Decode(b) })
	if n > 60 {
		t.Errorf("Decode of an INVITE allocates %v times, want at most 60", n)
	}
}
