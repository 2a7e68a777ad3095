package isup

import "testing"

// TestForwarding reads forwarding from a redirection information and from
// a CPG's event; an ACM without either says nothing.
func TestForwarding(t *testing.T) {
	for _, tc := range []struct {
		name   string
		m      Message
		reason int
		ok     bool
	}{
		{"redirection not reachable", Message{HasRedirection: true, Redirection: RedirectionInformation{Reason: RedirectReasonMobileNotReachable}}, RedirectReasonMobileNotReachable, true},
		{"CPG forwarded on no reply", Message{HasEvent: true, Event: EventInformation{Event: EventForwardedNoReply}}, RedirectReasonNoReply, true},
		{"CPG forwarded on busy", Message{HasEvent: true, Event: EventInformation{Event: EventForwardedOnBusy}}, RedirectReasonUserBusy, true},
		{"CPG progress", Message{HasEvent: true, Event: EventInformation{Event: EventProgress}}, 0, false},
		{"nothing", Message{}, 0, false},
	} {
		if r, ok := tc.m.Forwarding(); r != tc.reason || ok != tc.ok {
			t.Errorf("%s: %d %v, want %d %v", tc.name, r, ok, tc.reason, tc.ok)
		}
	}
}
