package callctl

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callsight/callsight/outcome"
)

const (
	keyA     = "secret-key-tenant-a"
	keyB     = "secret-key-tenant-b"
	keyAdmin = "secret-key-admin"
	hookKey  = "whsec-test"
)

func testKeys(t testing.TB) []Key {
	t.Helper()
	var keys []Key
	for _, l := range []string{
		HashKey(keyA) + " a name=key-a",
		"sha256:" + HashKey(keyB) + " b",
		HashKey(keyAdmin) + " ops admin",
	} {
		k, err := ParseKey(l)
		if err != nil {
			t.Fatalf("ParseKey(%q): %v", l, err)
		}
		keys = append(keys, k)
	}
	return keys
}

// newTestServer starts a Server on a loopback port.
func newTestServer(t testing.TB, edit func(*Config)) (*Server, string) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Keys = testKeys(t)
	cfg.WebhookSecret = hookKey
	cfg.WebhookBackoff = 20 * time.Millisecond
	cfg.RateLimit = 0
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		hs.Close()
	})
	return s, hs.URL
}

func do(t testing.TB, method, url, key, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// checkProblem asserts an RFC 9457 body with the given status.
func checkProblem(t *testing.T, what string, resp *http.Response, b []byte, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d (body %s)", what, resp.StatusCode, status, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	var p Problem
	if err := json.Unmarshal(b, &p); err != nil || p.Status != resp.StatusCode || !strings.HasPrefix(p.Type, ProblemType) || p.Title == "" {
		t.Errorf("%s: body %s is not a problem with status %d", what, b, resp.StatusCode)
	}
	for _, leak := range []string{"json:", "runtime", "goroutine", "http:", ".go:", "invalid character"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("%s: problem leaks internals (%q): %s", what, leak, b)
		}
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	s, url := newTestServer(t, nil)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi version %q, want 3.x", doc.OpenAPI)
	}
	inDoc := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			inDoc[strings.ToUpper(m)+" "+p] = true
		}
	}
	inMux := map[string]bool{}
	for _, r := range s.routes {
		inMux[r.method+" "+r.path] = true
		if !inDoc[r.method+" "+r.path] {
			t.Errorf("route %s %s is not in openapi.json", r.method, r.path)
		}
	}
	for k := range inDoc {
		if !inMux[k] {
			t.Errorf("openapi.json has %s, which the server does not route", k)
		}
	}
	resp, b := do(t, "GET", url+"/openapi.json", keyA, "")
	if resp.StatusCode != 200 || string(b) != string(OpenAPI) {
		t.Errorf("GET /openapi.json: status %d, %d bytes; want 200 and the embedded document", resp.StatusCode, len(b))
	}
}

func TestAuth(t *testing.T) {
	s, url := newTestServer(t, nil)
	for _, r := range s.routes {
		path := strings.ReplaceAll(r.path, "{id}", "x")
		for _, key := range []string{"", "wrong-key"} {
			resp, b := do(t, r.method, url+path, key, "")
			if !r.auth {
				if resp.StatusCode != 200 {
					t.Errorf("%s %s without key: status %d, want 200", r.method, path, resp.StatusCode)
				}
				continue
			}
			checkProblem(t, fmt.Sprintf("%s %s with key %q", r.method, path, key), resp, b, http.StatusUnauthorized)
		}
	}
	resp, b := do(t, "GET", url+"/metrics", keyA, "")
	checkProblem(t, "metrics with a tenant key", resp, b, http.StatusForbidden)
	resp, b = do(t, "GET", url+"/nowhere", keyA, "")
	checkProblem(t, "unknown path", resp, b, http.StatusNotFound)
	resp, b = do(t, "DELETE", url+"/v1/calls", keyA, "")
	checkProblem(t, "DELETE /v1/calls", resp, b, http.StatusMethodNotAllowed)
	// X-API-Key works as well as the bearer token.
	req, _ := http.NewRequest("GET", url+"/readyz", nil)
	req.Header.Set("X-API-Key", keyB)
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != 200 {
		t.Errorf("readyz with X-API-Key: status %d, want 200", r2.StatusCode)
	}
}

func register(t testing.TB, url, key, body string) CallState {
	t.Helper()
	resp, b := do(t, "POST", url+"/v1/calls", key, body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/calls %s: status %d: %s", body, resp.StatusCode, b)
	}
	var st CallState
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.ID, regPrefix) || st.State != StatePending {
		t.Fatalf("registration = %+v, want an id and state pending", st)
	}
	return st
}

func getCall(t testing.TB, url, key, id string) (int, CallState) {
	t.Helper()
	resp, b := do(t, "GET", url+"/v1/calls/"+id, key, "")
	var st CallState
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, st
}

var t0 = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

// A call's state is encoded once per change and served from there: each
// GET between changes must still show the latest one (pending, decided,
// beep ended, ended), by registration id and by Call-ID alike, and a
// long poll that returns at once must too.
func TestCallStateAfterEachChange(t *testing.T) {
	s, url := newTestServer(t, nil)
	reg := register(t, url, keyA, `{"called":"+7 916 555-01-02","call_id":"chg@host","options":{"wait_for_beep":true}}`)
	check := func(step, state, class string) {
		t.Helper()
		for range 2 {
			for _, id := range []string{reg.ID, "chg@host"} {
				code, st := getCall(t, url, keyA, id)
				got := ""
				if st.Verdict != nil {
					got = st.Verdict.Class
				}
				if code != 200 || st.State != state || got != class {
					t.Errorf("%s: GET %s = %d state %q verdict %q, want 200 %q %q", step, id, code, st.State, got, state, class)
				}
			}
		}
	}
	check("registered", StatePending, "")
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "chg@host", At: t0, Class: "human", Confidence: 0.6, Provisional: true})
	check("provisional verdict", StateDecided, "human")
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "chg@host", At: t0.Add(time.Second), Class: "machine", Confidence: 0.9})
	check("final verdict", StateDecided, "machine")
	s.Verdict(Verdict{Kind: KindBeepEnd, CallID: "chg@host", At: t0.Add(3 * time.Second), Class: "machine", MS: 3000})
	check("beep end", StateBeepEnded, "machine")
	resp, b := do(t, "GET", url+"/v1/calls/"+reg.ID+"/verdict?wait=2s", keyA, "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"state":"beep_ended"`) {
		t.Errorf("long poll after the beep = %d %s, want the beep_ended state", resp.StatusCode, b)
	}
	end := outcome.At(t0.Add(9 * time.Second))
	s.Call(&outcome.Call{CallID: "chg@host", Called: "79165550102", Start: outcome.At(t0), End: &end, Outcome: outcome.Answered})
	check("call end", StateEnded, "machine")
}

func TestTenantIsolation(t *testing.T) {
	s, url := newTestServer(t, nil)
	reg := register(t, url, keyA, `{"called":"+7 916 123-45-67","call_id":"abc@host","campaign":"spring"}`)
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "abc@host", At: t0, Class: "human", Confidence: 0.9})
	for _, id := range []string{reg.ID, "abc@host"} {
		if code, st := getCall(t, url, keyA, id); code != 200 || st.Verdict == nil || st.Verdict.Class != "human" {
			t.Errorf("tenant a GET %s = %d %+v, want 200 with the human verdict", id, code, st)
		}
		resp, b := do(t, "GET", url+"/v1/calls/"+id, keyB, "")
		checkProblem(t, "tenant b GET "+id, resp, b, http.StatusNotFound)
		if code, _ := getCall(t, url, keyAdmin, id); code != 200 {
			t.Errorf("admin GET %s = %d, want 200", id, code)
		}
	}
	// A call nobody registered: no default tenant, so only the admin sees it.
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "other@host", At: t0, Class: "machine"})
	if code, _ := getCall(t, url, keyA, "other@host"); code != 404 {
		t.Errorf("tenant a GET of an unregistered call = %d, want 404", code)
	}
	if code, _ := getCall(t, url, keyAdmin, "other@host"); code != 200 {
		t.Errorf("admin GET of an unregistered call = %d, want 200", code)
	}
	// Another tenant cannot take over a known Call-ID.
	resp, b := do(t, "POST", url+"/v1/calls", keyB, `{"called":"1","call_id":"abc@host"}`)
	checkProblem(t, "tenant b registering a's call-id", resp, b, http.StatusConflict)
	// Listing shows only the key's calls.
	resp, b = do(t, "GET", url+"/v1/calls?called=89161234567", keyB, "")
	if resp.StatusCode != 200 || strings.Contains(string(b), "abc@host") {
		t.Errorf("tenant b list: %d %s, want 200 without a's call", resp.StatusCode, b)
	}
}

func TestBadRequests(t *testing.T) {
	_, url := newTestServer(t, func(c *Config) { c.MaxBodyBytes = 1024 })
	cases := []struct {
		name, body string
		status     int
	}{
		{"oversized", `{"called":"` + strings.Repeat("1", 2000) + `"}`, http.StatusRequestEntityTooLarge},
		{"not json", `called=123`, http.StatusBadRequest},
		{"truncated json", `{"called":"123"`, http.StatusBadRequest},
		{"unknown field", `{"called":"123","evil":true}`, http.StatusBadRequest},
		{"two objects", `{"called":"123"}{"called":"456"}`, http.StatusBadRequest},
		{"wrong type", `{"called":123}`, http.StatusBadRequest},
		{"empty", ``, http.StatusBadRequest},
		{"no digits", `{"called":"abc"}`, http.StatusUnprocessableEntity},
		{"bad webhook", `{"called":"123","webhook_url":"file:///etc/passwd"}`, http.StatusUnprocessableEntity},
	}
	for _, c := range cases {
		resp, b := do(t, "POST", url+"/v1/calls", keyA, c.body)
		checkProblem(t, c.name, resp, b, c.status)
	}
	for _, q := range []string{"since=yesterday", "limit=0", "called=abc"} {
		resp, b := do(t, "GET", url+"/v1/calls?"+q, keyA, "")
		checkProblem(t, "list "+q, resp, b, http.StatusBadRequest)
	}
	resp, b := do(t, "GET", url+"/v1/calls/x/verdict?wait=forever", keyA, "")
	checkProblem(t, "wait=forever", resp, b, http.StatusBadRequest)
}

func TestMatchByCalledNumber(t *testing.T) {
	s, url := newTestServer(t, nil)
	r1 := register(t, url, keyA, `{"called":"89161234567","campaign":"c1"}`)
	r2 := register(t, url, keyA, `{"called":"+7 (916) 123-45-67","campaign":"c1"}`)
	other := register(t, url, keyA, `{"called":"89160000000"}`)
	// The SIP leg shows the number in another form: trailing digits match,
	// the oldest registration first.
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "c1@x", Called: "+79161234567", At: t0, Class: "machine", MS: 2200})
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "c2@x", Called: "9161234567", At: t0, Class: "human"})
	for _, c := range []struct {
		id, callID, class string
	}{{r1.ID, "c1@x", "machine"}, {r2.ID, "c2@x", "human"}} {
		code, st := getCall(t, url, keyA, c.id)
		if code != 200 || st.CallID != c.callID || st.Verdict == nil || st.Verdict.Class != c.class || st.State != StateDecided {
			t.Errorf("GET %s = %d %+v, want call %s decided %s", c.id, code, st, c.callID, c.class)
		}
	}
	if _, st := getCall(t, url, keyA, other.ID); st.State != StatePending {
		t.Errorf("unrelated registration state %q, want pending", st.State)
	}
	// The call ends: the outcome is final.
	end := outcome.At(t0.Add(20 * time.Second))
	s.Call(&outcome.Call{CallID: "c1@x", Called: "+79161234567", Start: outcome.At(t0), End: &end, Outcome: outcome.Machine})
	if _, st := getCall(t, url, keyA, "c1@x"); st.State != StateEnded || st.Outcome != "machine" || st.ID != r1.ID {
		t.Errorf("after the call ended: %+v, want state ended, outcome machine", st)
	}
	// Lookup by called number finds both calls.
	resp, b := do(t, "GET", url+"/v1/calls?called=9161234567&campaign=c1", keyA, "")
	var list CallList
	if err := json.Unmarshal(b, &list); err != nil || resp.StatusCode != 200 || len(list.Calls) != 2 {
		t.Errorf("list by called: %d %s, want 2 calls", resp.StatusCode, b)
	}
	// Past the match window a registration no longer matches.
	now := time.Now()
	s2, url2 := newTestServer(t, func(c *Config) {
		c.MatchWindow = time.Minute
		c.Now = func() time.Time { return now }
	})
	late := register(t, url2, keyA, `{"called":"5550001"}`)
	now = now.Add(2 * time.Minute)
	s2.Verdict(Verdict{Kind: KindVerdict, CallID: "late@x", Called: "5550001", At: t0, Class: "human"})
	if _, st := getCall(t, url2, keyA, late.ID); st.State != StatePending {
		t.Errorf("registration past the match window: state %q, want pending", st.State)
	}
}

func TestLongPoll(t *testing.T) {
	s, url := newTestServer(t, nil)
	reg := register(t, url, keyA, `{"called":"1001","call_id":"lp@x","options":{"wait_for_beep":true}}`)
	// Timeout: 200 with state pending.
	start := time.Now()
	resp, b := do(t, "GET", url+"/v1/calls/"+reg.ID+"/verdict?wait=100ms", keyA, "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"state":"pending"`) || time.Since(start) < 90*time.Millisecond {
		t.Errorf("poll timeout: %d %s after %v, want 200 pending after 100ms", resp.StatusCode, b, time.Since(start))
	}
	type result struct {
		st  CallState
		dur time.Duration
	}
	got := make(chan result, 1)
	go func() {
		st := time.Now()
		resp, b := do(t, "GET", url+"/v1/calls/lp@x/verdict?wait=5s", keyA, "")
		var cs CallState
		if resp.StatusCode == 200 {
			_ = json.Unmarshal(b, &cs)
		}
		got <- result{cs, time.Since(st)}
	}()
	time.Sleep(50 * time.Millisecond)
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "lp@x", At: t0, Class: "machine"})
	select {
	case r := <-got:
		t.Fatalf("poll with wait_for_beep returned at the verdict, before the beep end: %+v", r.st)
	case <-time.After(100 * time.Millisecond):
	}
	published := time.Now()
	s.Verdict(Verdict{Kind: KindBeepEnd, CallID: "lp@x", At: t0.Add(3 * time.Second), Class: "machine", MS: 5100})
	r := <-got
	if r.st.State != StateBeepEnded || r.st.BeepEnd == nil || r.st.BeepEnd.MS != 5100 {
		t.Errorf("poll result %+v, want state beep_ended with the beep end", r.st)
	}
	if d := time.Since(published); d > time.Second {
		t.Errorf("poll returned %v after the beep end, want at once", d)
	}
	// An unknown id that never appears: 404 after the wait.
	resp, b = do(t, "GET", url+"/v1/calls/nobody/verdict?wait=50ms", keyA, "")
	checkProblem(t, "poll unknown id", resp, b, http.StatusNotFound)
}

// sseEvent is one parsed server-sent event.
type sseEvent struct {
	id, kind, data string
}

type sseClient struct {
	resp *http.Response
	rd   *bufio.Reader
}

func openSSE(t testing.TB, url, key, lastID string) *sseClient {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	t.Cleanup(func() { resp.Body.Close() })
	c := &sseClient{resp: resp, rd: bufio.NewReader(resp.Body)}
	return c
}

// next reads the next event, skipping comments and the retry field.
func (c *sseClient) next() (sseEvent, error) {
	var e sseEvent
	for {
		line, err := c.rd.ReadString('\n')
		if err != nil {
			return e, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if e.data != "" {
				return e, nil
			}
		case strings.HasPrefix(line, "id: "):
			e.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			e.kind = line[7:]
		case strings.HasPrefix(line, "data: "):
			e.data = line[6:]
		}
	}
}

func TestEventStream(t *testing.T) {
	s, url := newTestServer(t, nil)
	register(t, url, keyA, `{"called":"2001","call_id":"sse@x","campaign":"spring"}`)
	register(t, url, keyA, `{"called":"2002","call_id":"other@x","campaign":"autumn"}`)
	register(t, url, keyB, `{"called":"2003","call_id":"b@x","campaign":"spring"}`)
	c := openSSE(t, url+"/v1/events?campaign=spring", keyA, "")
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "other@x", At: t0, Class: "human"}) // other campaign
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "b@x", At: t0, Class: "human"})     // other tenant
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "sse@x", At: t0, Class: "machine", Confidence: 0.97, MS: 2300})
	s.Verdict(Verdict{Kind: KindBeepEnd, CallID: "sse@x", At: t0.Add(4 * time.Second), Class: "machine", MS: 6100})
	var got []sseEvent
	for range 2 {
		e, err := c.next()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if got[0].kind != KindVerdict || got[1].kind != KindBeepEnd {
		t.Fatalf("events %v, want verdict then beep_end", got)
	}
	id0, _ := strconv.Atoi(got[0].id)
	id1, _ := strconv.Atoi(got[1].id)
	if id0 == 0 || id1 <= id0 {
		t.Errorf("event ids %q, %q: want increasing", got[0].id, got[1].id)
	}
	var ev Event
	if err := json.Unmarshal([]byte(got[0].data), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.CallID != "sse@x" || ev.Class != "machine" || ev.MS != 2300 || ev.Campaign != "spring" || ev.ID != uint64(id0) {
		t.Errorf("verdict event %+v", ev)
	}
	// Resume after the first event: the beep end comes again, nothing else.
	c2 := openSSE(t, url+"/v1/events?campaign=spring", keyA, got[0].id)
	e, err := c2.next()
	if err != nil {
		t.Fatal(err)
	}
	if e.id != got[1].id || e.kind != KindBeepEnd {
		t.Errorf("resumed stream starts with %+v, want event %s (beep_end)", e, got[1].id)
	}
	// The admin sees every tenant's events.
	c3 := openSSE(t, url+"/v1/events", keyAdmin, "0")
	n := 0
	for range 4 {
		if _, err := c3.next(); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 4 {
		t.Errorf("admin saw %d events, want 4", n)
	}
}

func TestEventRingResume(t *testing.T) {
	s, url := newTestServer(t, func(c *Config) { c.EventRing = 4; c.DefaultTenant = "a" })
	for i := range 10 {
		s.Verdict(Verdict{Kind: KindVerdict, CallID: fmt.Sprintf("r%d@x", i), At: t0, Class: "human"})
	}
	c := openSSE(t, url+"/v1/events", keyA, "1")
	var ids []string
	for range 4 {
		e, err := c.next()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.id)
	}
	if strings.Join(ids, ",") != "7,8,9,10" {
		t.Errorf("resume from 1 with a ring of 4: ids %v, want 7..10", ids)
	}
}

// verifyRecipe is the verification recipe of the README, written out
// without this package's Verify.
func verifyRecipe(secret, header string, body []byte) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	want := hex.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(sig), []byte(want))
}

func TestWebhook(t *testing.T) {
	type hit struct {
		attempt, sig string
		body         []byte
	}
	var mu sync.Mutex
	var hits []hit
	var n atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hits = append(hits, hit{r.Header.Get("Callsight-Delivery-Attempt"), r.Header.Get(SignatureHeader), b})
		mu.Unlock()
		if n.Add(1) == 1 {
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	var failed atomic.Int32
	s, url := newTestServer(t, func(c *Config) {
		c.Hooks.WebhookFailed = func(bool) { failed.Add(1) }
		c.WebhookAllow = []string{recv.Listener.Addr().String()} // loopback is refused unless allowed
	})
	register(t, url, keyA, `{"called":"3001","call_id":"wh@x","webhook_url":"`+recv.URL+`/hook"}`)
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "wh@x", At: t0, Class: "machine", MS: 2100})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v (webhook not delivered)", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hits) != 2 || hits[0].attempt != "1" || hits[1].attempt != "2" {
		t.Fatalf("receiver got %d posts, want 2 (a 500, then the retry)", len(hits))
	}
	for i, h := range hits {
		if !verifyRecipe(hookKey, h.sig, h.body) || !Verify(hookKey, h.sig, h.body, time.Now(), time.Minute) {
			t.Errorf("post %d: signature %q does not verify", i+1, h.sig)
		}
		if verifyRecipe("wrong", h.sig, h.body) || Verify(hookKey, h.sig, append(h.body, ' '), time.Now(), time.Minute) {
			t.Errorf("post %d: a wrong secret or body verifies", i+1)
		}
		var ev Event
		if err := json.Unmarshal(h.body, &ev); err != nil || ev.CallID != "wh@x" || ev.Class != "machine" {
			t.Errorf("post %d body %s", i+1, h.body)
		}
	}
	if failed.Load() != 1 || s.Stats().WebhookSent != 1 {
		t.Errorf("failed attempts %d, sent %d; want 1 and 1", failed.Load(), s.Stats().WebhookSent)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	_, url := newTestServer(t, func(c *Config) {
		c.RateLimit, c.RateBurst = 1, 3
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	for i := range 3 {
		if resp, _ := do(t, "GET", url+"/readyz", keyA, ""); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d, want 200", i+1, resp.StatusCode)
		}
	}
	resp, b := do(t, "GET", url+"/readyz", keyA, "")
	checkProblem(t, "4th request in a burst of 3", resp, b, http.StatusTooManyRequests)
	if resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Another key has its own bucket.
	if resp, _ := do(t, "GET", url+"/readyz", keyB, ""); resp.StatusCode != 200 {
		t.Errorf("other key: %d, want 200", resp.StatusCode)
	}
	mu.Lock()
	now = now.Add(1100 * time.Millisecond)
	mu.Unlock()
	if resp, _ := do(t, "GET", url+"/readyz", keyA, ""); resp.StatusCode != 200 {
		t.Errorf("after a second: %d, want 200", resp.StatusCode)
	}
}

func TestBoundedMemory(t *testing.T) {
	var shed atomic.Int32
	s, url := newTestServer(t, func(c *Config) {
		c.MaxCalls = 100
		c.DefaultTenant = "a"
		c.Hooks.Shed = func(string) { shed.Add(1) }
	})
	for i := range 1000 {
		s.Verdict(Verdict{Kind: KindVerdict, CallID: fmt.Sprintf("f%d@x", i), At: t0, Class: "human"})
	}
	if st := s.Stats(); st.Calls != 100 || shed.Load() != 900 {
		t.Errorf("after a flood of 1000 calls: %d kept, %d shed; want 100 and 900", st.Calls, shed.Load())
	}
	if code, _ := getCall(t, url, keyA, "f999@x"); code != 200 {
		t.Errorf("newest call: %d, want 200", code)
	}
	if code, _ := getCall(t, url, keyA, "f0@x"); code != 404 {
		t.Errorf("oldest call: %d, want 404 (shed)", code)
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"79161234567": "*******4567", "123": "***", "": ""} {
		if got := mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// publishToWire measures, over n events, the time from Verdict (Publish) to
// the SSE client having read the event.
func publishToWire(t testing.TB, n int) []time.Duration {
	s, url := newTestServer(t, func(c *Config) { c.DefaultTenant = "a" })
	c := openSSE(t, url+"/v1/events", keyA, "")
	lat := make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		s.Verdict(Verdict{Kind: KindVerdict, CallID: "lat" + strconv.Itoa(i), At: t0, Class: "human"})
		if _, err := c.next(); err != nil {
			t.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat
}

func TestPublishToWireLatency(t *testing.T) {
	lat := publishToWire(t, 200)
	p99 := lat[len(lat)*99/100]
	t.Logf("publish -> SSE client: p50 %v, p99 %v, max %v", lat[len(lat)/2], p99, lat[len(lat)-1])
	if p99 > 50*time.Millisecond {
		t.Errorf("p99 publish-to-wire latency %v, want <= 50ms", p99)
	}
}

func BenchmarkPublishToWire(b *testing.B) {
	lat := publishToWire(b, b.N)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkVerdictQueries is the load generator: GETs of the verdicts of
// 5,000 calls on loopback, open-loop at a fixed rate of 10,000 queries/s
// (query i is due at start + i/rate; its latency runs from when it was due,
// so a server that falls behind is charged for the wait). It reports the
// achieved queries/s and p50/p99 latency. Bounded by b.N and 30 s.
func BenchmarkVerdictQueries(b *testing.B) {
	s, url := newTestServer(b, func(c *Config) { c.DefaultTenant = "a" })
	const calls = 5000
	const rate = 10000
	for i := range calls {
		s.Verdict(Verdict{Kind: KindVerdict, CallID: "q" + strconv.Itoa(i) + "@x", Called: "7916000" + strconv.Itoa(i), At: t0, Class: "machine", MS: 2200})
	}
	const workers = 64
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	total := max(b.N, 1)
	var next atomic.Int64
	lats := make([][]time.Duration, workers)
	deadline := time.Now().Add(30 * time.Second)
	var errs atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(total) || time.Now().After(deadline) {
					return
				}
				due := start.Add(time.Duration(i) * time.Second / rate)
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				req, _ := http.NewRequest("GET", url+"/v1/calls/q"+strconv.Itoa(int(i%calls))+"@x", nil)
				req.Header.Set("Authorization", "Bearer "+keyA)
				resp, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs.Add(1)
				}
				lats[w] = append(lats[w], time.Since(due))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	if len(all) == 0 {
		b.Fatal("no queries completed")
	}
	if errs.Load() > 0 {
		b.Errorf("%d queries failed", errs.Load())
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "queries/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
}

// TestEventsAfterRing checks the ring lookup by id against a plain scan,
// before and after the ring wraps.
func TestEventsAfterRing(t *testing.T) {
	s, _ := newTestServer(t, func(c *Config) { c.DefaultTenant = "a"; c.EventRing = 8 })
	k := &Key{Tenant: "a"}
	for n := 1; n <= 20; n++ {
		s.Verdict(Verdict{Kind: KindVerdict, CallID: "ring" + strconv.Itoa(n), At: t0, Class: "human"})
		s.mu.RLock()
		for after := uint64(0); after <= uint64(n)+1; after++ {
			got, last, lost := s.eventsAfter(nil, after, k, "")
			var want []uint64
			for id := max(after+1, uint64(max(1, n-7))); id <= uint64(n); id++ {
				want = append(want, id)
			}
			var ids []uint64
			for _, e := range got {
				ids = append(ids, e.id)
			}
			wantLast := max(after, uint64(n))
			wantLost := after+1 < uint64(max(1, n-7))
			if !slices.Equal(ids, want) || last != wantLast || lost != wantLost {
				t.Errorf("after %d events, eventsAfter(%d) = %v, last %d, lost %v; want %v, %d, %v", n, after, ids, last, lost, want, wantLast, wantLost)
			}
		}
		s.mu.RUnlock()
	}
}

// An announcement heard in early media is provisional: the verdict of the
// answered audio follows it and replaces it, and both reach the stream.
func TestProvisionalVerdictReplaced(t *testing.T) {
	s, url := newTestServer(t, nil)
	reg := register(t, url, keyA, `{"called":"3001","call_id":"tune@x"}`)
	c := openSSE(t, url+"/v1/events", keyA, "")
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "tune@x", At: t0, Class: "announcement", Reason: "speech in early media", MS: 1000, Provisional: true})
	if _, st := getCall(t, url, keyA, reg.ID); st.Verdict == nil || st.Verdict.Class != "announcement" || !st.Verdict.Provisional {
		t.Errorf("after the early announcement: %+v, want a provisional announcement", st.Verdict)
	}
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "tune@x", At: t0.Add(5 * time.Second), Answer: t0.Add(4 * time.Second), Class: "human", MS: 1000})
	if _, st := getCall(t, url, keyA, reg.ID); st.State != StateDecided || st.Verdict == nil || st.Verdict.Class != "human" || st.Verdict.Provisional {
		t.Errorf("after the answer: %s %+v, want decided human, not provisional", st.State, st.Verdict)
	}
	for i, want := range []struct {
		class       string
		provisional bool
	}{{"announcement", true}, {"human", false}} {
		ev, data := nextEvent(t, c)
		if ev.Kind != KindVerdict || ev.Class != want.class || ev.Provisional != want.provisional {
			t.Errorf("event %d: %s, want verdict %s provisional=%v", i, data, want.class, want.provisional)
		}
	}
}

// nextEvent reads the stream's next event and decodes its data.
func nextEvent(t *testing.T, c *sseClient) (Event, string) {
	t.Helper()
	e, err := c.next()
	if err != nil {
		t.Fatal(err)
	}
	var ev Event
	if err := json.Unmarshal([]byte(e.data), &ev); err != nil {
		t.Fatal(err)
	}
	return ev, e.data
}

// A revised verdict (the audio after the first changed the class: a beep
// after a short greeting taken for a person) replaces the call's verdict
// and reaches the stream marked revised, after the first.
func TestRevisedVerdictReplaces(t *testing.T) {
	s, url := newTestServer(t, nil)
	reg := register(t, url, keyA, `{"called":"3002","call_id":"mark@x"}`)
	c := openSSE(t, url+"/v1/events", keyA, "")
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "mark@x", At: t0.Add(2 * time.Second), Answer: t0, Class: "human", Reason: "short utterance then silence", MS: 2000})
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "mark@x", At: t0.Add(6 * time.Second), Answer: t0, Class: "machine", Reason: "beep", MS: 6000, Revised: true})
	if _, st := getCall(t, url, keyA, reg.ID); st.Verdict == nil || st.Verdict.Class != "machine" || !st.Verdict.Revised || st.Verdict.MS != 6000 {
		t.Errorf("after the revision: %+v, want a revised machine at 6000 ms", st.Verdict)
	}
	for i, want := range []struct {
		class   string
		revised bool
	}{{"human", false}, {"machine", true}} {
		ev, data := nextEvent(t, c)
		if ev.Kind != KindVerdict || ev.Class != want.class || ev.Revised != want.revised {
			t.Errorf("event %d: %s, want verdict %s revised=%v", i, data, want.class, want.revised)
		}
	}
}

// BenchmarkGetHandler is GET /v1/calls/{id} in the handler alone (no
// network): the CPU one verdict query costs, with its allocations.
func BenchmarkGetHandler(b *testing.B) {
	s, _ := newTestServer(b, func(c *Config) { c.DefaultTenant = "a" })
	const calls = 5000
	for i := range calls {
		s.Verdict(Verdict{Kind: KindVerdict, CallID: "q" + strconv.Itoa(i) + "@x", Called: "7916000" + strconv.Itoa(i), At: t0, Class: "machine", MS: 2200})
	}
	h := s.Handler()
	reqs := make([]*http.Request, calls)
	for i := range reqs {
		reqs[i] = httptest.NewRequest("GET", "/v1/calls/q"+strconv.Itoa(i)+"@x", nil)
		reqs[i].Header.Set("Authorization", "Bearer "+keyA)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, reqs[i%calls])
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		i++
	}
}
