package callctl

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// OpenAPI is the OpenAPI 3 document of the API, served at /openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

const regPrefix = "reg_"

// Server is the call controller API. It implements Sink and serves HTTP
// through Handler.
type Server struct {
	cfg     Config
	keys    atomic.Pointer[[]Key] // swapped whole by SetKeys, never modified
	targets *targetPolicy
	log     *slog.Logger
	now     func() time.Time
	mux     *http.ServeMux
	hooks   *webhooks

	mu        sync.RWMutex // readers (GET, long polls, streams) share it
	byReg     map[string]*record
	byCall    map[string]*record
	unmatched map[string][]*record
	order     []*record
	orderHead int
	ring      []storedEvent
	ringHead  int
	nextID    uint64
	evCh      chan struct{} // closed and replaced on every event
	subs      int
	stats     struct{ shed uint64 }

	limMu    sync.Mutex
	limiters map[string]*bucket

	done     chan struct{} // closed by Shutdown: streams and polls end
	shutOnce sync.Once

	routes []route
}

// route is one API route; the OpenAPI test checks the list against the
// document.
type route struct {
	method, path string
	auth         bool
	stream       bool // not timed by Hooks.Request
}

// New returns a Server. Its webhook workers run until Shutdown.
func New(cfg Config, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, now: cfg.Now, byReg: map[string]*record{}, byCall: map[string]*record{},
		unmatched: map[string][]*record{}, evCh: make(chan struct{}), limiters: map[string]*bucket{},
		done: make(chan struct{})}
	if s.now == nil {
		s.now = time.Now
	}
	keys := slices.Clone(cfg.Keys)
	s.keys.Store(&keys)
	s.targets, _ = newTargetPolicy(cfg.WebhookAllow, cfg.WebhookHTTPSOnly) // validated above
	s.hooks = newWebhooks(s)
	s.mux = http.NewServeMux()
	s.handle("GET", "/healthz", false, false, s.healthz)
	s.handle("GET", "/readyz", true, false, s.readyz)
	s.handle("GET", "/metrics", true, false, s.metrics)
	s.handle("GET", "/openapi.json", true, false, s.openapi)
	s.handle("POST", "/v1/calls", true, false, s.register)
	s.handle("GET", "/v1/calls", true, false, s.list)
	s.handle("GET", "/v1/calls/{id}", true, false, s.get)
	s.handle("GET", "/v1/calls/{id}/verdict", true, true, s.wait)
	s.handle("GET", "/v1/events", true, true, s.events)
	// Everything else, and wrong methods on known paths, are problems too.
	paths := map[string][]string{}
	for _, r := range s.routes {
		paths[r.path] = append(paths[r.path], r.method)
	}
	for p, ms := range paths {
		allow := strings.Join(ms, ", ")
		s.mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			problem(w, http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", "allowed: "+allow)
		})
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "not-found", "Not found", "no such endpoint")
	})
	return s, nil
}

// Handler returns the HTTP handler of the API.
func (s *Server) Handler() http.Handler { return s.mux }

type keyCtx struct{}

// handle registers one route with authentication, rate limiting and the
// request hook around it.
func (s *Server) handle(method, path string, auth, stream bool, h func(http.ResponseWriter, *http.Request, *Key)) {
	s.routes = append(s.routes, route{method: method, path: path, auth: auth, stream: stream})
	pattern := method + " " + path
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		var k *Key
		if auth {
			k = s.authenticate(r)
			if k == nil {
				sw.Header().Set("WWW-Authenticate", `Bearer realm="callsight"`)
				problem(sw, http.StatusUnauthorized, "unauthorized", "Unauthorized", "a valid API key is required (Authorization: Bearer KEY)")
				s.observe(pattern, sw.status, t0, stream)
				return
			}
			if wait, ok := s.allow(k); !ok {
				sw.Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Seconds()+0.999))))
				problem(sw, http.StatusTooManyRequests, "rate-limited", "Too many requests", "the key's request rate limit is exceeded")
				s.observe(pattern, sw.status, t0, stream)
				return
			}
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(sw, r.Body, s.cfg.MaxBodyBytes)
		}
		h(sw, r, k)
		s.observe(pattern, sw.status, t0, stream)
	})
}

func (s *Server) observe(route string, status int, t0 time.Time, stream bool) {
	if s.cfg.Hooks.Request != nil && !stream {
		s.cfg.Hooks.Request(route, status, time.Since(t0))
	}
}

type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// authenticate returns the key the request presents, or nil. Every
// configured hash is compared, in constant time, whatever matches.
func (s *Server) authenticate(r *http.Request) *Key {
	secret := r.Header.Get("X-API-Key")
	if a := r.Header.Get("Authorization"); secret == "" && len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		secret = strings.TrimSpace(a[7:])
	}
	if secret == "" {
		return nil
	}
	h := sha256.Sum256([]byte(secret))
	keys := *s.keys.Load() // one set for the whole request, whatever reloads
	found := -1
	for i := range keys {
		if subtle.ConstantTimeCompare(h[:], keys[i].Hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil
	}
	return &keys[found]
}

// SetKeys replaces the API keys at once: a request authenticates against
// either the old set or the new one, never a mix, and requests already
// authenticated go on with the key they presented. An invalid set (empty,
// a key without a tenant, a hash given twice) is refused and the keys in
// use are kept.
func (s *Server) SetKeys(keys []Key) error {
	if err := validateKeys(keys); err != nil {
		return err
	}
	ks := slices.Clone(keys)
	s.keys.Store(&ks)
	names := make(map[string]bool, len(ks))
	for _, k := range ks {
		names[k.Name] = true
	}
	s.limMu.Lock()
	for name := range s.limiters { // removed keys' buckets
		if !names[name] {
			delete(s.limiters, name)
		}
	}
	s.limMu.Unlock()
	return nil
}

// Keys returns the API keys in use.
func (s *Server) Keys() []Key { return slices.Clone(*s.keys.Load()) }

// bucket is a token bucket.
type bucket struct {
	tokens float64
	last   time.Time
}

// allow takes a token from the key's bucket, or says how long to wait.
func (s *Server) allow(k *Key) (time.Duration, bool) {
	if s.cfg.RateLimit <= 0 {
		return 0, true
	}
	now := s.now()
	s.limMu.Lock()
	defer s.limMu.Unlock()
	b := s.limiters[k.Name]
	if b == nil {
		b = &bucket{tokens: float64(s.cfg.RateBurst), last: now}
		s.limiters[k.Name] = b
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(float64(s.cfg.RateBurst), b.tokens+d.Seconds()*s.cfg.RateLimit)
		b.last = now
	}
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / s.cfg.RateLimit * float64(time.Second)), false
	}
	b.tokens--
	return 0, true
}

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// ProblemType is the prefix of every problem type URI; the suffix names
// the problem (unauthorized, not-found, bad-request, too-large,
// rate-limited, unavailable...).
const ProblemType = "urn:callsight:problem:"

// problem writes a problem+json response. detail is always our own
// wording, never an internal error's text.
func problem(w http.ResponseWriter, status int, typ, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	b, _ := json.Marshal(Problem{Type: ProblemType + typ, Title: title, Status: status, Detail: detail})
	_, _ = w.Write(append(b, '\n'))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	writeBody(w, status, append(b, '\n'), err)
}

// writeBody writes b, a JSON document ending in a newline, or a problem
// when err says it could not be encoded.
func writeBody(w http.ResponseWriter, status int, b []byte, err error) {
	if err != nil {
		problem(w, http.StatusInternalServerError, "internal", "Internal error", "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ *Key) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request, _ *Key) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(); err != nil {
			s.log.Warn("not ready", "err", err)
			problem(w, http.StatusServiceUnavailable, "unavailable", "Not ready", "the service is not ready")
			return
		}
	}
	select {
	case <-s.done:
		problem(w, http.StatusServiceUnavailable, "unavailable", "Not ready", "the service is shutting down")
		return
	default:
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request, k *Key) {
	if !k.Admin {
		problem(w, http.StatusForbidden, "forbidden", "Forbidden", "metrics need an admin key")
		return
	}
	if s.cfg.Metrics == nil {
		problem(w, http.StatusNotFound, "not-found", "Not found", "no metrics configured")
		return
	}
	s.cfg.Metrics.ServeHTTP(w, r)
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request, _ *Key) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(OpenAPI)
}

// Registration is the body of POST /v1/calls.
type Registration struct {
	Called     string `json:"called"`
	Calling    string `json:"calling,omitempty"`
	CallID     string `json:"call_id,omitempty"`
	Campaign   string `json:"campaign,omitempty"`
	WebhookURL string `json:"webhook_url,omitempty"`
	Options    struct {
		WaitForBeep bool `json:"wait_for_beep"`
	} `json:"options"`
}

func (g *Registration) validate() string {
	switch {
	case digits(g.Called) == "":
		return "called must contain digits"
	case len(g.Called) > 64 || len(g.Calling) > 64:
		return "called and calling are at most 64 characters"
	case len(g.CallID) > 256:
		return "call_id is at most 256 characters"
	case len(g.Campaign) > 128:
		return "campaign is at most 128 characters"
	}
	return ""
}

func (s *Server) register(w http.ResponseWriter, r *http.Request, k *Key) {
	var g Registration
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			problem(w, http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
				"the body exceeds "+strconv.FormatInt(s.cfg.MaxBodyBytes, 10)+" bytes")
			return
		}
		problem(w, http.StatusBadRequest, "bad-request", "Malformed request body", "the body must be one JSON object as the OpenAPI document describes")
		return
	}
	if dec.More() {
		problem(w, http.StatusBadRequest, "bad-request", "Malformed request body", "trailing data after the JSON object")
		return
	}
	if msg := g.validate(); msg != "" {
		problem(w, http.StatusUnprocessableEntity, "invalid", "Invalid registration", msg)
		return
	}
	if g.WebhookURL != "" {
		if s.cfg.WebhookSecret == "" {
			problem(w, http.StatusUnprocessableEntity, "invalid", "Invalid registration", "webhooks are not enabled on this server")
			return
		}
		if msg, forbidden := s.targets.checkURL(g.WebhookURL); forbidden {
			problem(w, http.StatusUnprocessableEntity, "webhook-forbidden", "Webhook target not allowed", msg)
			return
		} else if msg != "" {
			problem(w, http.StatusUnprocessableEntity, "invalid", "Invalid registration", msg)
			return
		}
	}
	var rb [12]byte
	_, _ = rand.Read(rb[:])
	now := s.now()
	rec := &record{regID: regPrefix + hex.EncodeToString(rb[:]), callID: g.CallID, called: g.Called, calling: g.Calling,
		tenant: k.Tenant, campaign: g.Campaign, webhook: g.WebhookURL, waitBeep: g.Options.WaitForBeep,
		registered: true, created: now, registeredAt: now, sortAt: now, changed: make(chan struct{})}
	s.mu.Lock()
	if g.CallID != "" {
		if old := s.byCall[g.CallID]; old != nil {
			s.mu.Unlock()
			if visible(k, old) {
				problem(w, http.StatusConflict, "conflict", "Call already known", "a call with this call_id is already registered or seen")
			} else {
				problem(w, http.StatusConflict, "conflict", "Call already known", "call_id is not available")
			}
			return
		}
		s.byCall[g.CallID] = rec
	} else {
		rec.matchKey = matchKey(digits(g.Called), s.cfg.MatchDigits)
		rec.inUnmatched = true
		s.unmatched[rec.matchKey] = append(s.unmatched[rec.matchKey], rec)
	}
	s.byReg[rec.regID] = rec
	s.addLocked(rec, now)
	view := rec.view()
	s.mu.Unlock()
	s.log.Info("call registered", "id", rec.regID, "tenant", k.Tenant, "key", k.Name, "called", mask(g.Called),
		"calling", mask(g.Calling), "campaign", g.Campaign)
	w.Header().Set("Location", "/v1/calls/"+rec.regID)
	writeJSON(w, http.StatusCreated, view)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, k *Key) {
	id := r.PathValue("id")
	s.mu.RLock()
	rec := s.lookup(id)
	var body []byte
	var err error
	ok := rec != nil && visible(k, rec)
	if ok {
		body, err = rec.viewJSON()
	}
	s.mu.RUnlock()
	if !ok {
		problem(w, http.StatusNotFound, "not-found", "Call not found", "no call with this id is visible to this key")
		return
	}
	writeBody(w, http.StatusOK, body, err)
}

// CallList is the body of GET /v1/calls.
type CallList struct {
	Calls []CallState `json:"calls"`
	// More is true when more calls matched than the limit.
	More bool `json:"more"`
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, k *Key) {
	q := r.URL.Query()
	var since, until time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"since", &since}, {"until", &until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				problem(w, http.StatusBadRequest, "bad-request", "Bad query parameter", p.name+" must be an RFC 3339 time")
				return
			}
			*p.t = t
		}
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			problem(w, http.StatusBadRequest, "bad-request", "Bad query parameter", "limit must be 1 to 1000")
			return
		}
		limit = n
	}
	called := digits(q.Get("called"))
	if q.Get("called") != "" && called == "" {
		problem(w, http.StatusBadRequest, "bad-request", "Bad query parameter", "called must contain digits")
		return
	}
	campaign := q.Get("campaign")
	var out []CallState
	var keys []time.Time
	s.mu.RLock()
	for i := s.orderHead; i < len(s.order); i++ {
		rec := s.order[i]
		if !visible(k, rec) || (campaign != "" && rec.campaign != campaign) {
			continue
		}
		if called != "" && !sameNumber(digits(rec.called), called, s.cfg.MatchDigits) {
			continue
		}
		if (!since.IsZero() && rec.sortAt.Before(since)) || (!until.IsZero() && !rec.sortAt.Before(until)) {
			continue
		}
		out = append(out, rec.view())
		keys = append(keys, rec.sortAt)
	}
	s.mu.RUnlock()
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]].Before(keys[idx[b]]) })
	res := CallList{Calls: make([]CallState, 0, min(limit, len(out)))}
	for _, i := range idx {
		if len(res.Calls) == limit {
			res.More = true
			break
		}
		res.Calls = append(res.Calls, out[i])
	}
	writeJSON(w, http.StatusOK, res)
}

// wait is the long poll: it returns when the call is done (see
// record.done) or when the wait is over, with the state either way (200);
// 404 when no call with the id became visible in time.
func (s *Server) wait(w http.ResponseWriter, r *http.Request, k *Key) {
	id := r.PathValue("id")
	d, err := parseWait(r.URL.Query().Get("wait"))
	if err != nil {
		problem(w, http.StatusBadRequest, "bad-request", "Bad query parameter", "wait must be a duration such as 5s or 1500ms")
		return
	}
	d = min(d, s.cfg.MaxWait)
	timer := time.NewTimer(d)
	defer timer.Stop()
	ctx := r.Context()
	for {
		s.mu.RLock()
		rec := s.lookup(id)
		var ch chan struct{}
		var body []byte
		var berr error
		vis := rec != nil && visible(k, rec)
		done := false
		if vis {
			body, berr = rec.viewJSON()
			done = rec.done()
			ch = rec.changed
		} else {
			ch = s.evCh // the call may appear with the next event
		}
		s.mu.RUnlock()
		if done {
			writeBody(w, http.StatusOK, body, berr)
			return
		}
		select {
		case <-ch:
			continue
		case <-timer.C:
		case <-ctx.Done():
			return
		case <-s.done:
		}
		if !vis {
			problem(w, http.StatusNotFound, "not-found", "Call not found", "no call with this id is visible to this key")
			return
		}
		writeBody(w, http.StatusOK, body, berr) // state tells pending from decided
		return
	}
}

// Stats is a snapshot of the server's state, for gauges.
type Stats struct {
	Calls         int    // calls and registrations kept
	Unmatched     int    // registrations waiting for a call
	Subscribers   int    // open event streams
	WebhookQueue  int    // deliveries waiting
	Events        uint64 // events published
	Shed          uint64 // calls dropped before their TTL to stay bounded
	WebhookShed   uint64 // deliveries dropped because the queue was full
	WebhookFailed uint64 // deliveries given up
	WebhookSent   uint64 // deliveries acknowledged with a 2xx
	// WebhookRefused counts deliveries given up because the target
	// policy refused the address the URL's host resolved to.
	WebhookRefused uint64
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.RLock()
	st := Stats{Calls: len(s.order) - s.orderHead, Subscribers: s.subs, Events: s.nextID, Shed: s.stats.shed}
	for _, l := range s.unmatched {
		st.Unmatched += len(l)
	}
	s.mu.RUnlock()
	st.WebhookQueue, st.WebhookShed, st.WebhookFailed, st.WebhookSent = s.hooks.stats()
	st.WebhookRefused = s.hooks.refused.Load()
	return st
}

// Sweep drops calls and registrations past their TTL. New records sweep
// too; call Sweep periodically when traffic may stop.
func (s *Server) Sweep() {
	s.mu.Lock()
	s.expireLocked(s.now())
	s.mu.Unlock()
}

// Shutdown ends event streams and long polls (each stream first sends the
// events already published) and delivers the queued webhooks until ctx is
// done. Publish everything before calling it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutOnce.Do(func() { close(s.done) })
	return s.hooks.drain(ctx)
}

var _ Sink = (*Server)(nil)
