package sip

import (
	"strings"
	"testing"
)

// TestForwarding reads the three ways SIP says a call was forwarded, with
// header values written as RFC 5806, RFC 7044 and RFC 4458 show them.
func TestForwarding(t *testing.T) {
	const resp = "SIP/2.0 %s\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\nFrom: <sip:1@a>;tag=1\nTo: <sip:2@b>;tag=2\nCall-ID: c1\nCSeq: 1 INVITE\n%sContent-Length: 0\n\n"
	tests := []struct {
		name, status, hdrs string
		want               bool
		reason             int
	}{
		{"plain 200", "200 OK", "", false, 0},
		{"181", "181 Call Is Being Forwarded", "", true, ForwardUnknown},
		{"diversion no-answer", "200 OK", "Diversion: <tel:+79161234567>;reason=no-answer;counter=1\n", true, ForwardNoReply},
		{"diversion quoted busy", "200 OK", "Diversion: \"Bob\" <sip:+7916@ims.example>;reason=\"user-busy\";privacy=off\n", true, ForwardBusy},
		{"diversion list, specific wins", "200 OK", "Diversion: <sip:a@x>;reason=unknown, <sip:b@x>;reason=unavailable\n", true, ForwardNotReachable},
		{"history-info 4458 cause", "200 OK", "History-Info: <sip:+79161234567@ims.example>;index=1, <sip:vm@vms.example;target=sip:+79161234567%40ims.example;cause=408>;index=1.1;mp=1\n", true, ForwardNoReply},
		{"history-info escaped reason", "200 OK", "History-Info: <sip:bob@example.com?Reason=SIP%3Bcause%3D486%3Btext%3D%22Busy%22>;index=1, <sip:vm@example.com>;index=1.1\n", true, ForwardBusy},
		{"history-info retargeting only", "200 OK", "History-Info: <sip:bob@example.com>;index=1, <sip:bob@10.1.1.1>;index=1.1\n", false, 0},
		{"diversion without brackets", "200 OK", "Diversion: sip:+7916@x;reason=unconditional\n", true, ForwardUnconditional},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			raw := strings.Replace(strings.Replace(resp, "%s", tc.status, 1), "%s", tc.hdrs, 1)
			if err := m.Decode(crlf(raw)); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if m.Forwarded != tc.want || m.ForwardReason != tc.reason {
				t.Errorf("Forwarded %v reason %d, want %v %d", m.Forwarded, m.ForwardReason, tc.want, tc.reason)
			}
		})
	}
	var m Message
	req := "INVITE sip:vm@vms.example;target=sip:%2B79161234567%40ims.example;cause=486 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\nFrom: <sip:1@a>;tag=1\nTo: <sip:2@b>\nCall-ID: c2\nCSeq: 1 INVITE\nContent-Length: 0\n\n"
	if err := m.Decode(crlf(req)); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !m.Forwarded || m.ForwardReason != ForwardBusy {
		t.Errorf("voicemail Request-URI: Forwarded %v reason %d, want true %d", m.Forwarded, m.ForwardReason, ForwardBusy)
	}
}
