package callctl

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPublicReason(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
	}{
		{"8.8.8.8", true},
		{"1.1.1.1", true},
		{"2606:4700:4700::1111", true},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"127.0.0.1", false},
		{"127.255.0.9", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"100.64.0.1", false},
		{"169.254.169.254", false},
		{"0.0.0.0", false},
		{"224.0.0.251", false},
		{"255.255.255.255", false},
		{"198.18.0.1", false},
		{"::", false},
		{"::1", false},
		{"::127.0.0.1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:169.254.169.254", false},
		{"::ffff:10.0.0.1", false},
		{"64:ff9b::7f00:1", false},   // NAT64 of 127.0.0.1
		{"2002:a9fe:a9fe::1", false}, // 6to4 of 169.254.169.254
		{"fd00::1", false},
		{"fc00::1", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"ff02::1", false},
		{"2001:db8::1", false},
		{"2001::1", false}, // Teredo
	} {
		a := netip.MustParseAddr(tc.addr)
		r := publicReason(a)
		if (r == "") != tc.public {
			t.Errorf("publicReason(%s) = %q, want public %v", tc.addr, r, tc.public)
		}
	}
}

func TestWebhookAllowConfig(t *testing.T) {
	for _, good := range []string{"10.1.2.0/24", "10.1.2.3", "fd00:1::/64", "::1", "[::1]:9000", "127.0.0.1:9000",
		"hooks.example.com", "*.hooks.example.com", "hooks.internal:8443", "Hooks.Example.COM."} {
		if _, err := parseAllowRule(good); err != nil {
			t.Errorf("parseAllowRule(%q): %v", good, err)
		}
	}
	for _, bad := range []string{"", "10.1.2.3/24", "10.0.0.0/33", "host:0", "host:70000", "host:x", "bad host", "-x.com",
		"2130706433", "127.1", "0x7f000001", "fe80::1%eth0:80", "a..b"} {
		if _, err := parseAllowRule(bad); err == nil {
			t.Errorf("parseAllowRule(%q): no error", bad)
		}
	}
	cfg := DefaultConfig()
	cfg.Keys = testKeys(t)
	cfg.WebhookAllow = []string{"10.0.0.0/8", "nope/1"}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "nope/1") {
		t.Errorf("Validate with a bad allow entry: %v", err)
	}
}

// TestWebhookRegistrationPolicy registers webhook URLs over HTTP: targets
// the policy forbids are a 422 problem that says why; public targets and
// what the allow-list names are accepted.
func TestWebhookRegistrationPolicy(t *testing.T) {
	_, url := newTestServer(t, func(c *Config) {
		c.WebhookAllow = []string{"10.1.2.0/24", "127.0.0.1:9000", "[::1]:9000", "hooks.internal"}
	})
	_, strict := newTestServer(t, func(c *Config) { c.WebhookHTTPSOnly = true })
	for i, tc := range []struct {
		base, hook string
		status     int
		typ, says  string // problem type suffix and a word of its detail
	}{
		{url, "http://127.0.0.1/hook", 422, "webhook-forbidden", "loopback"},
		{url, "http://127.0.0.1:9001/hook", 422, "webhook-forbidden", "loopback"},
		{url, "http://[::1]/hook", 422, "webhook-forbidden", "loopback"},
		{url, "http://169.254.169.254/latest/meta-data/", 422, "webhook-forbidden", "link-local"},
		{url, "http://[::ffff:169.254.169.254]/", 422, "webhook-forbidden", "link-local"},
		{url, "http://[::ffff:7f00:1]:9001/", 422, "webhook-forbidden", "loopback"},
		{url, "http://10.0.0.1/", 422, "webhook-forbidden", "private"},
		{url, "http://172.16.5.4/", 422, "webhook-forbidden", "private"},
		{url, "https://192.168.1.1/", 422, "webhook-forbidden", "private"},
		{url, "http://100.64.0.1/", 422, "webhook-forbidden", "carrier-grade"},
		{url, "http://[fd00::1]/", 422, "webhook-forbidden", "unique local"},
		{url, "http://[fe80::1]/", 422, "webhook-forbidden", "link-local"},
		{url, "http://224.0.0.1/", 422, "webhook-forbidden", "multicast"},
		{url, "http://0.0.0.0:8080/", 422, "webhook-forbidden", "unspecified"},
		{url, "http://[::]/", 422, "webhook-forbidden", "unspecified"},
		{url, "http://2130706433/", 422, "webhook-forbidden", "notation"},
		{url, "http://0x7f000001/", 422, "webhook-forbidden", "notation"},
		{url, "http://127.1/", 422, "webhook-forbidden", "notation"},
		{url, "http://0177.0.0.1/", 422, "webhook-forbidden", "notation"},
		{url, "http://127.000.000.001/", 422, "webhook-forbidden", "notation"},
		{url, "ftp://hooks.example.com/", 422, "invalid", "http or https"},
		{url, "http:///nohost", 422, "invalid", "http or https"},
		{url, "https://hooks.example.com:99999/", 422, "invalid", "port"},
		{url, "https://hooks_.-bad.example.com/", 422, "invalid", "host name"},
		{url, "https://bücher.example/", 422, "invalid", "xn--"},
		{strict, "http://hooks.example.com/", 422, "webhook-forbidden", "https"},
		{url, "https://hooks.example.com/hook", 201, "", ""},
		{url, "http://8.8.8.8/hook", 201, "", ""},
		{url, "http://10.1.2.7:8080/hook", 201, "", ""},
		{url, "http://127.0.0.1:9000/hook", 201, "", ""},
		{url, "http://[::1]:9000/hook", 201, "", ""},
		{url, "http://hooks.internal/hook", 201, "", ""},
		{strict, "https://hooks.example.com/", 201, "", ""},
	} {
		body, _ := json.Marshal(map[string]string{"called": "12345", "webhook_url": tc.hook})
		resp, b := do(t, "POST", tc.base+"/v1/calls", keyA, string(body))
		what := "webhook_url " + tc.hook
		if tc.base == strict {
			what += " (https only)"
		}
		if tc.status == 201 {
			if resp.StatusCode != 201 {
				t.Errorf("case %d, %s: status %d, want 201: %s", i, what, resp.StatusCode, b)
			}
			continue
		}
		checkProblem(t, what, resp, b, tc.status)
		var p Problem
		_ = json.Unmarshal(b, &p)
		if p.Type != ProblemType+tc.typ || !strings.Contains(p.Detail, tc.says) {
			t.Errorf("case %d, %s: problem %s, want type %s saying %q", i, what, b, tc.typ, tc.says)
		}
	}
}

// receiver is a loopback webhook receiver counting what it gets.
func receiver(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// deliver registers a call with hook, publishes its verdict and waits for
// the delivery to be sent or given up.
func deliver(t *testing.T, s *Server, url, callID, hook string) {
	t.Helper()
	register(t, url, keyA, `{"called":"3001","call_id":"`+callID+`","webhook_url":"`+hook+`"}`)
	s.Verdict(Verdict{Kind: KindVerdict, CallID: callID, At: t0, Class: "human", MS: 900})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v (delivery neither sent nor given up)", err)
	}
}

// TestWebhookDialRefused registers http://localhost:PORT, which the
// registration cannot judge without resolving it; at delivery the name
// resolves to loopback, which the allow-list does not cover, so nothing
// is sent, and the delivery is given up at once rather than retried.
func TestWebhookDialRefused(t *testing.T) {
	if ips, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", "localhost"); err != nil || len(ips) == 0 {
		t.Skipf("localhost does not resolve here: %v", err)
	}
	recv, hits := receiver(t, nil)
	_, port, _ := net.SplitHostPort(recv.Listener.Addr().String())
	var final atomic.Int32
	s, url := newTestServer(t, func(c *Config) {
		c.WebhookAllow = []string{"127.0.0.1:1", "hooks.example.com"} // neither covers localhost:PORT
		c.Hooks.WebhookFailed = func(f bool) {
			if f {
				final.Add(1)
			}
		}
	})
	deliver(t, s, url, "dial@x", "http://localhost:"+port+"/hook")
	st := s.Stats()
	if hits.Load() != 0 || st.WebhookSent != 0 || st.WebhookRefused != 1 || st.WebhookFailed != 1 || final.Load() != 1 {
		t.Errorf("receiver got %d posts; stats sent %d refused %d failed %d, final failures %d; want 0, 0, 1, 1, 1",
			hits.Load(), st.WebhookSent, st.WebhookRefused, st.WebhookFailed, final.Load())
	}

	// Named in the allow-list, the same URL is delivered, signed.
	var sigOK atomic.Bool
	recv2, hits2 := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		sigOK.Store(Verify(hookKey, r.Header.Get(SignatureHeader), b, time.Now(), time.Minute))
		w.WriteHeader(http.StatusNoContent)
	})
	_, port2, _ := net.SplitHostPort(recv2.Listener.Addr().String())
	s2, url2 := newTestServer(t, func(c *Config) { c.WebhookAllow = []string{"localhost:" + port2} })
	deliver(t, s2, url2, "dial2@x", "http://localhost:"+port2+"/hook")
	if hits2.Load() != 1 || !sigOK.Load() || s2.Stats().WebhookSent != 1 {
		t.Errorf("allowed by name: receiver got %d posts (signature ok %v), sent %d; want 1, true, 1", hits2.Load(), sigOK.Load(), s2.Stats().WebhookSent)
	}
}

// TestWebhookRedirectNotFollowed: an allowed receiver that redirects to a
// target the policy forbids gets its delivery failed, and the target
// nothing.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	target, targetHits := receiver(t, nil)
	recv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/stolen", http.StatusTemporaryRedirect)
	})
	s, url := newTestServer(t, func(c *Config) {
		c.WebhookAllow = []string{recv.Listener.Addr().String()}
		c.WebhookAttempts = 2
	})
	deliver(t, s, url, "redir@x", recv.URL+"/hook")
	if hits.Load() != 2 || targetHits.Load() != 0 || s.Stats().WebhookFailed != 1 {
		t.Errorf("receiver %d posts, redirect target %d, failed %d; want 2, 0, 1", hits.Load(), targetHits.Load(), s.Stats().WebhookFailed)
	}
}

// TestDialControl checks the last line of defence: whatever the resolver
// said, the socket's own address is checked before it connects.
func TestDialControl(t *testing.T) {
	p, err := newTargetPolicy([]string{"10.9.0.0/16"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		only map[netip.Addr]bool
		addr string
		ok   bool
	}{
		{nil, "8.8.8.8:443", true},
		{nil, "10.9.1.1:80", true},
		{nil, "127.0.0.1:80", false},
		{nil, "[::ffff:127.0.0.1]:80", false},
		{nil, "169.254.169.254:80", false},
		{map[netip.Addr]bool{netip.MustParseAddr("8.8.8.8"): true}, "8.8.4.4:443", false}, // not what was checked
		{map[netip.Addr]bool{netip.MustParseAddr("8.8.8.8"): true}, "8.8.8.8:443", true},
	} {
		err := p.control(tc.only)("tcp", tc.addr, nil)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrWebhookTarget)) {
			t.Errorf("control(%s) = %v, want ok %v", tc.addr, err, tc.ok)
		}
	}
	// An address in the URL is refused before any socket exists.
	if _, err := p.dialContext(context.Background(), "tcp", "127.0.0.1:1"); !errors.Is(err, ErrWebhookTarget) {
		t.Errorf("dial 127.0.0.1:1: %v, want ErrWebhookTarget", err)
	}
}
