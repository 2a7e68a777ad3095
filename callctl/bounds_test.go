package callctl

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// Event streams are bounded: beyond MaxSubscribers a new stream is a 503
// problem, and once one closes another gets in.
func TestMaxSubscribers(t *testing.T) {
	_, url := newTestServer(t, func(c *Config) { c.MaxSubscribers = 2 })
	open := func() (*http.Response, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", url+"/v1/events", nil)
		req.Header.Set("Authorization", "Bearer "+keyA)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp, cancel
	}
	var cancels []context.CancelFunc
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	for i := range 2 {
		resp, cancel := open()
		cancels = append(cancels, cancel)
		if resp.StatusCode != 200 {
			t.Fatalf("stream %d: %d, want 200", i+1, resp.StatusCode)
		}
		// The stream is counted once its first line is written.
		bufio.NewReader(resp.Body).ReadString('\n')
	}
	resp, b := do(t, "GET", url+"/v1/events", keyA, "")
	checkProblem(t, "a third stream with 2 allowed", resp, b, http.StatusServiceUnavailable)
	cancels[0]()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, cancel := open()
		cancels = append(cancels, cancel)
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after one stream closed: still %d", resp.StatusCode)
		}
		cancel()
	}
}

// Webhook deliveries are bounded: with the queue full (a receiver that
// does not answer holds the workers), further deliveries are dropped and
// counted, never queued without bound or blocking the verdicts.
func TestWebhookQueueBound(t *testing.T) {
	release := make(chan struct{})
	var got atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		<-release
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	defer close(release)
	var shed atomic.Int32
	s, url := newTestServer(t, func(c *Config) {
		c.WebhookQueue = 3
		c.WebhookAllow = []string{recv.Listener.Addr().String()}
		c.Hooks.Shed = func(what string) {
			if what == "webhook" {
				shed.Add(1)
			}
		}
	})
	const n = 40
	start := time.Now()
	for i := range n {
		id := fmt.Sprintf("q%d@x", i)
		register(t, url, keyA, `{"called":"4`+fmt.Sprint(i)+`","call_id":"`+id+`","webhook_url":"`+recv.URL+`/hook"}`)
		s.Verdict(Verdict{Kind: KindVerdict, CallID: id, At: t0, Class: "human", MS: 800})
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("%d verdicts took %v with the receiver stuck: publishing waited on webhooks", n, d)
	}
	st := s.Stats()
	if st.WebhookShed == 0 || int(shed.Load()) != int(st.WebhookShed) {
		t.Errorf("webhooks shed: stats %d, hook %d; want some, the same", st.WebhookShed, shed.Load())
	}
	if st.WebhookQueue > 3 {
		t.Errorf("webhook queue holds %d, over its bound of 3", st.WebhookQueue)
	}
}
