package callctl

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// SignatureHeader carries a webhook's signature: "t=UNIX,v1=HEX" where
// HEX is the hex HMAC-SHA256, keyed with the webhook secret, of the
// decimal timestamp, a period, and the raw body. See Sign and Verify.
const SignatureHeader = "Callsight-Signature"

// Sign returns the SignatureHeader value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a SignatureHeader value against body: the HMAC must match
// (compared in constant time) and the timestamp must be within tolerance
// of now, so that a captured delivery cannot be replayed later.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) bool {
	var ts string
	var sigs [][]byte
	for part := range bytes.SplitSeq([]byte(header), []byte{','}) {
		k, v, ok := bytes.Cut(bytes.TrimSpace(part), []byte{'='})
		if !ok {
			continue
		}
		switch string(k) {
		case "t":
			ts = string(v)
		case "v1":
			if b, err := hex.DecodeString(string(v)); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return false
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return false
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		ok = hmac.Equal(s, want) || ok
	}
	return ok
}

// delivery is one event to POST to one URL.
type delivery struct {
	url     string
	id      uint64
	body    []byte
	attempt int
}

// webhooks is a bounded queue of deliveries and a fixed set of workers.
// Enqueueing never blocks: a full queue drops the delivery and counts it.
// A failed attempt is retried after a delay that doubles each time.
type webhooks struct {
	s       *Server
	queue   chan *delivery
	client  *http.Client
	pending atomic.Int64 // deliveries queued, in flight or waiting to retry
	stop    chan struct{}
	stopped atomic.Bool

	shed, failed, sent, refused atomic.Uint64
}

func newWebhooks(s *Server) *webhooks {
	// The transport dials through the target policy, which checks every
	// address a host resolves to and the socket's own address; there is no
	// proxy (the policy must see the real target), and redirects are not
	// followed, so a receiver cannot bounce a delivery elsewhere.
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           s.targets.dialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   s.cfg.WebhookWorkers,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   s.cfg.WebhookTimeout,
		ExpectContinueTimeout: time.Second,
	}
	h := &webhooks{s: s, queue: make(chan *delivery, s.cfg.WebhookQueue), stop: make(chan struct{}),
		client: &http.Client{Timeout: s.cfg.WebhookTimeout, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is a failure, not a hop
		}}}
	for range s.cfg.WebhookWorkers {
		go h.worker()
	}
	return h
}

func (h *webhooks) stats() (queued int, shed, failed, sent uint64) {
	return len(h.queue), h.shed.Load(), h.failed.Load(), h.sent.Load()
}

// enqueue adds d without blocking.
func (h *webhooks) enqueue(d *delivery) {
	if h.stopped.Load() {
		h.shed.Add(1)
		return
	}
	h.pending.Add(1)
	select {
	case h.queue <- d:
	default:
		h.pending.Add(-1)
		h.shed.Add(1)
		if f := h.s.cfg.Hooks.WebhookFailed; f != nil {
			f(true)
		}
		if f := h.s.cfg.Hooks.Shed; f != nil {
			f("webhook")
		}
		h.s.log.Warn("webhook queue full: delivery dropped", "event", d.id)
	}
}

func (h *webhooks) worker() {
	for {
		select {
		case d := <-h.queue:
			h.attempt(d)
		case <-h.stop:
			return
		}
	}
}

func (h *webhooks) attempt(d *delivery) {
	d.attempt++
	ok, refused := h.post(d)
	if ok {
		h.sent.Add(1)
		h.pending.Add(-1)
		return
	}
	// A refused target stays refused: no retry.
	final := refused || d.attempt >= h.s.cfg.WebhookAttempts || h.stopped.Load()
	if f := h.s.cfg.Hooks.WebhookFailed; f != nil {
		f(final)
	}
	if final {
		h.failed.Add(1)
		h.s.log.Warn("webhook given up", "event", d.id, "attempts", d.attempt)
		h.pending.Add(-1)
		return
	}
	delay := h.s.cfg.WebhookBackoff << (d.attempt - 1)
	if delay > h.s.cfg.WebhookMaxBackoff || delay <= 0 {
		delay = h.s.cfg.WebhookMaxBackoff
	}
	time.AfterFunc(delay, func() {
		select {
		case h.queue <- d:
		default:
			h.shed.Add(1)
			h.failed.Add(1)
			if f := h.s.cfg.Hooks.Shed; f != nil {
				f("webhook")
			}
			h.pending.Add(-1)
		}
	})
}

// post makes one attempt and reports whether the receiver answered 2xx,
// or whether the target policy refused the address dialled.
func (h *webhooks) post(d *delivery) (ok, refused bool) {
	ctx, cancel := context.WithTimeout(context.Background(), h.s.cfg.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return false, false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "callsight-webhook/1")
	req.Header.Set("Callsight-Event-Id", strconv.FormatUint(d.id, 10))
	req.Header.Set("Callsight-Delivery-Attempt", strconv.Itoa(d.attempt))
	req.Header.Set(SignatureHeader, Sign(h.s.cfg.WebhookSecret, h.s.now(), d.body))
	resp, err := h.client.Do(req)
	if err != nil {
		var te *TargetError
		if errors.As(err, &te) {
			h.refused.Add(1)
			h.s.log.Warn("webhook target refused", "event", d.id, "host", req.URL.Host, "reason", te.Reason)
			return false, true
		}
		h.s.log.Debug("webhook attempt failed", "event", d.id, "attempt", d.attempt, "err", err)
		return false, false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 300, false
}

// drain waits for every queued delivery (retries included) or ctx, then
// stops the workers. Deliveries still waiting are abandoned and counted.
func (h *webhooks) drain(ctx context.Context) error {
	var err error
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for err == nil && h.pending.Load() > 0 {
		select {
		case <-t.C:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if h.stopped.CompareAndSwap(false, true) {
		close(h.stop)
	}
	return err
}
