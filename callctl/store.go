package callctl

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"time"

	"github.com/callsight/callsight/outcome"
)

// Verdict is one audio decision about a live call as the pipeline reports
// it: the verdict the moment it is reached (Kind "verdict") or the end of a
// voicemail beep (Kind "beep_end"). Times are capture times.
type Verdict struct {
	Kind   string // KindVerdict or KindBeepEnd
	CallID string // the SIP Call-ID
	// Called and Calling are the numbers as signaled, when the pipeline
	// knows them; Called lets a registration without Call-ID match.
	Called, Calling string
	At              time.Time // the decision or the beep end
	Answer          time.Time // zero when unanswered (early media)
	Class           string    // human, machine, announcement, fax, silence...
	Confidence      float64
	Reason          string
	MS              int64 // from answer (or the start of early media) to At
	// Provisional marks an announcement heard in early media: if the call
	// is answered, the answered audio's verdict follows.
	Provisional bool
	// Revised marks a verdict that replaces an earlier one that was not
	// provisional: the audio after it changed the detector's mind.
	Revised bool
}

// Event kinds, as they appear in the event stream and webhooks.
const (
	KindVerdict = "verdict"
	KindBeepEnd = "beep_end"
	KindCallEnd = "call_end"
)

// Sink is what callctl takes from the pipeline. Its methods never block on
// the network and are safe for concurrent use.
type Sink interface {
	// Verdict publishes a verdict or a beep end.
	Verdict(v Verdict)
	// Call publishes a finished call.
	Call(c *outcome.Call)
}

// CallState is the API's view of one call: its registration (when it has
// one), its audio verdict and beep end as they arrive, and its outcome once
// it has ended.
type CallState struct {
	// ID is the registration id, empty for a call nobody registered.
	ID           string        `json:"id,omitempty"`
	CallID       string        `json:"call_id,omitempty"`
	Called       string        `json:"called,omitempty"`
	Calling      string        `json:"calling,omitempty"`
	Campaign     string        `json:"campaign,omitempty"`
	WaitForBeep  bool          `json:"wait_for_beep,omitempty"`
	State        string        `json:"state"`
	RegisteredAt *outcome.Time `json:"registered_at,omitempty"`
	Verdict      *VerdictInfo  `json:"verdict"`
	BeepEnd      *VerdictInfo  `json:"beep_end"`
	Outcome      string        `json:"outcome,omitempty"`
	Q850         *uint8        `json:"q850,omitempty"`
	SIPStatus    *int          `json:"sip_status,omitempty"`
	EndedAt      *outcome.Time `json:"ended_at,omitempty"`
}

// The states of a call, in the order they are reached (a call may skip
// some).
const (
	StatePending   = "pending"    // registered or seen, no verdict yet
	StateDecided   = "decided"    // the audio verdict is known
	StateBeepEnded = "beep_ended" // the voicemail beep has ended
	StateEnded     = "ended"      // the call is over; outcome is final
)

// VerdictInfo is a verdict or a beep end.
type VerdictInfo struct {
	Class      string        `json:"class"`
	Confidence float64       `json:"confidence"`
	Reason     string        `json:"reason,omitempty"`
	At         outcome.Time  `json:"at"`
	Answer     *outcome.Time `json:"answer,omitempty"`
	MS         int64         `json:"ms"`
	// Provisional: an announcement heard in early media, reopened if the
	// call is answered (a caller tune or a "please hold" notice sounds the
	// same); the answered verdict then follows.
	Provisional bool `json:"provisional,omitempty"`
	// Revised: this verdict replaced an earlier one that was not
	// provisional (a beep after a short greeting taken for a person, a
	// voice after dead air).
	Revised bool `json:"revised,omitempty"`
}

// Event is one entry of the event stream and the body of a webhook.
type Event struct {
	ID             uint64        `json:"id"`
	Kind           string        `json:"kind"`
	RegistrationID string        `json:"registration_id,omitempty"`
	CallID         string        `json:"call_id"`
	Called         string        `json:"called,omitempty"`
	Calling        string        `json:"calling,omitempty"`
	Campaign       string        `json:"campaign,omitempty"`
	Class          string        `json:"class,omitempty"`
	Confidence     float64       `json:"confidence,omitempty"`
	Reason         string        `json:"reason,omitempty"`
	At             outcome.Time  `json:"at"`
	Answer         *outcome.Time `json:"answer,omitempty"`
	MS             int64         `json:"ms,omitempty"`
	Outcome        string        `json:"outcome,omitempty"`
	Provisional    bool          `json:"provisional,omitempty"`
	Revised        bool          `json:"revised,omitempty"`
}

// record is one call or registration. It is guarded by Server.mu.
type record struct {
	regID, callID      string
	called, calling    string
	tenant, campaign   string
	webhook            string
	waitBeep           bool
	registered         bool
	created            time.Time // wall clock, for TTL and matching
	registeredAt       time.Time
	sortAt             time.Time // registration time or first capture time
	verdict, beep      *VerdictInfo
	outcome            string
	q850               *uint8
	sipStatus          *int
	ended              *outcome.Time
	changed            chan struct{}          // closed and replaced on every update
	body               atomic.Pointer[[]byte] // view's JSON until the next update (viewJSON)
	evicted            bool
	matchKey           string // key in Server.unmatched while waiting for a Call-ID
	inUnmatched, dying bool
}

func (r *record) state() string {
	switch {
	case r.ended != nil:
		return StateEnded
	case r.beep != nil:
		return StateBeepEnded
	case r.verdict != nil:
		return StateDecided
	}
	return StatePending
}

// done reports whether a long poll on r can return: the verdict is known
// (and, when the registration waits for the beep, the beep has ended or the
// verdict is not a machine), or the call is over.
func (r *record) done() bool {
	if r.ended != nil {
		return true
	}
	if r.verdict == nil {
		return false
	}
	if r.waitBeep && r.beep == nil && r.verdict.Class == "machine" {
		return false
	}
	return true
}

func (r *record) view() CallState {
	st := CallState{ID: r.regID, CallID: r.callID, Called: r.called, Calling: r.calling, Campaign: r.campaign,
		WaitForBeep: r.waitBeep, State: r.state(), Verdict: r.verdict, BeepEnd: r.beep, Outcome: r.outcome,
		Q850: r.q850, SIPStatus: r.sipStatus, EndedAt: r.ended}
	if r.registered {
		st.RegisteredAt = outcome.Ptr(r.registeredAt)
	}
	return st
}

func (r *record) touch() {
	close(r.changed)
	r.changed = make(chan struct{})
	r.body.Store(nil)
}

// viewJSON is view as the body of a response, encoded once per update:
// a controller polls a call many times between its changes. Called with
// Server.mu held, for reading or writing; readers racing to encode it
// store the same bytes, and no update runs while they hold it.
func (r *record) viewJSON() ([]byte, error) {
	if b := r.body.Load(); b != nil {
		return *b, nil
	}
	b, err := json.Marshal(r.view())
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	r.body.Store(&b)
	return b, nil
}

// matchKey is the index key of a called number: its last n digits.
func matchKey(d string, n int) string {
	if len(d) > n {
		return d[len(d)-n:]
	}
	return d
}

// sameNumber reports whether two digit strings denote the same number:
// their last n digits are equal, or, when either has fewer than n digits,
// they are equal.
func sameNumber(a, b string, n int) bool {
	if a == "" || b == "" {
		return false
	}
	if len(a) < n || len(b) < n {
		return a == b
	}
	return a[len(a)-n:] == b[len(b)-n:]
}

// storedEvent is an event in the ring, encoded once.
type storedEvent struct {
	id       uint64
	kind     string
	tenant   string
	campaign string
	data     []byte
}

// Verdict implements Sink.
func (s *Server) Verdict(v Verdict) {
	t0 := s.now()
	info := &VerdictInfo{Class: v.Class, Confidence: v.Confidence, Reason: v.Reason, At: outcome.At(v.At), MS: v.MS, Provisional: v.Provisional, Revised: v.Revised}
	if !v.Answer.IsZero() {
		info.Answer = outcome.Ptr(v.Answer)
	}
	s.mu.Lock()
	r := s.find(v.CallID, v.Called, t0)
	if r == nil {
		r = s.adopt(v.CallID, v.Called, v.Calling, v.At, t0)
	}
	if r.called == "" {
		r.called = v.Called
	}
	if r.calling == "" {
		r.calling = v.Calling
	}
	kind := KindVerdict
	if v.Kind == KindBeepEnd {
		kind = KindBeepEnd
		r.beep = info
	} else {
		r.verdict = info
	}
	r.touch()
	ev := Event{Kind: kind, Class: v.Class, Confidence: v.Confidence, Reason: v.Reason, At: info.At, Answer: info.Answer, MS: v.MS, Provisional: v.Provisional, Revised: v.Revised}
	s.publishLocked(r, ev)
	s.mu.Unlock()
	if s.cfg.Hooks.Published != nil {
		s.cfg.Hooks.Published(kind, s.now().Sub(t0))
	}
}

// Call implements Sink.
func (s *Server) Call(c *outcome.Call) {
	if c == nil {
		return
	}
	t0 := s.now()
	s.mu.Lock()
	r := s.find(c.CallID, c.Called, t0)
	if r == nil {
		r = s.adopt(c.CallID, c.Called, c.Calling, c.Start.Time, t0)
	}
	if r.called == "" {
		r.called = c.Called
	}
	if r.calling == "" {
		r.calling = c.Calling
	}
	r.outcome = string(c.Outcome)
	r.q850, r.sipStatus = c.Q850, c.SIPStatus
	end := c.Start
	if c.End != nil {
		end = *c.End
	}
	r.ended = &end
	if r.verdict == nil && c.Audio != nil && c.Audio.Analysed && c.Audio.Class != "" {
		// The verdict came only with the finished call (no live event).
		r.verdict = &VerdictInfo{Class: c.Audio.Class, Confidence: c.Audio.Confidence, Reason: c.Audio.Reason, At: end}
	}
	r.touch()
	ev := Event{Kind: KindCallEnd, At: end, Outcome: string(c.Outcome)}
	if r.verdict != nil {
		ev.Class, ev.Confidence = r.verdict.Class, r.verdict.Confidence
	}
	s.publishLocked(r, ev)
	s.mu.Unlock()
	if s.cfg.Hooks.Published != nil {
		s.cfg.Hooks.Published(KindCallEnd, s.now().Sub(t0))
	}
}

// find returns the record of a call by Call-ID, else binds the oldest
// registration waiting for a call to that called number within the match
// window. Called with s.mu held.
func (s *Server) find(callID, called string, now time.Time) *record {
	if r := s.byCall[callID]; r != nil && callID != "" {
		return r
	}
	d := digits(called)
	if d == "" {
		return nil
	}
	key := matchKey(d, s.cfg.MatchDigits)
	list := s.unmatched[key]
	for i, r := range list {
		if r.evicted || now.Sub(r.created) > s.cfg.MatchWindow || now.Before(r.created.Add(-time.Second)) {
			continue
		}
		if !sameNumber(digits(r.called), d, s.cfg.MatchDigits) {
			continue
		}
		s.unmatched[key] = append(list[:i:i], list[i+1:]...)
		if len(s.unmatched[key]) == 0 {
			delete(s.unmatched, key)
		}
		r.inUnmatched = false
		if callID != "" {
			r.callID = callID
			s.byCall[callID] = r
		}
		return r
	}
	return nil
}

// adopt creates the record of a call nobody registered. Called with s.mu
// held.
func (s *Server) adopt(callID, called, calling string, at, now time.Time) *record {
	r := &record{callID: callID, called: called, calling: calling, tenant: s.cfg.DefaultTenant,
		created: now, sortAt: at, changed: make(chan struct{})}
	if callID != "" {
		s.byCall[callID] = r
	}
	s.addLocked(r, now)
	return r
}

// addLocked appends r to the expiry order, dropping the oldest records
// beyond MaxCalls and those past their TTL.
func (s *Server) addLocked(r *record, now time.Time) {
	s.expireLocked(now)
	for len(s.order)-s.orderHead >= s.cfg.MaxCalls {
		s.dropOldestLocked()
		if s.cfg.Hooks.Shed != nil {
			s.cfg.Hooks.Shed("call")
		}
		s.stats.shed++
	}
	s.order = append(s.order, r)
}

func (s *Server) expireLocked(now time.Time) {
	for s.orderHead < len(s.order) && now.Sub(s.order[s.orderHead].created) > s.cfg.TTL {
		s.dropOldestLocked()
	}
}

func (s *Server) dropOldestLocked() {
	r := s.order[s.orderHead]
	s.order[s.orderHead] = nil
	s.orderHead++
	if s.orderHead > 1024 && s.orderHead*2 > len(s.order) {
		n := copy(s.order, s.order[s.orderHead:])
		clear(s.order[n:])
		s.order = s.order[:n]
		s.orderHead = 0
	}
	r.evicted = true
	if r.callID != "" && s.byCall[r.callID] == r {
		delete(s.byCall, r.callID)
	}
	if r.regID != "" {
		delete(s.byReg, r.regID)
	}
	if r.inUnmatched {
		list := s.unmatched[r.matchKey]
		for i, x := range list {
			if x == r {
				s.unmatched[r.matchKey] = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(s.unmatched[r.matchKey]) == 0 {
			delete(s.unmatched, r.matchKey)
		}
	}
}

// publishLocked fills ev from r, appends it to the ring, wakes the streams
// and queues the webhook. Called with s.mu held.
func (s *Server) publishLocked(r *record, ev Event) {
	s.nextID++
	ev.ID = s.nextID
	ev.RegistrationID, ev.CallID, ev.Called, ev.Calling, ev.Campaign = r.regID, r.callID, r.called, r.calling, r.campaign
	data, err := json.Marshal(ev)
	if err != nil {
		return // cannot happen: Event has only plain fields
	}
	se := storedEvent{id: ev.ID, kind: ev.Kind, tenant: r.tenant, campaign: r.campaign, data: data}
	if len(s.ring) < s.cfg.EventRing {
		s.ring = append(s.ring, se)
	} else {
		s.ring[s.ringHead] = se
		s.ringHead = (s.ringHead + 1) % len(s.ring)
	}
	close(s.evCh)
	s.evCh = make(chan struct{})
	if r.webhook != "" && s.cfg.WebhookSecret != "" {
		s.hooks.enqueue(&delivery{url: r.webhook, id: ev.ID, body: data})
	}
}

// eventsAfter appends to dst the events after id visible to a key, with an
// optional campaign filter, and returns the id of the last event scanned
// and whether events were lost (id older than the ring). Called with s.mu
// held, for reading at least.
func (s *Server) eventsAfter(dst []storedEvent, id uint64, k *Key, campaign string) ([]storedEvent, uint64, bool) {
	n := len(s.ring)
	if n == 0 {
		return dst, id, false
	}
	oldest := s.ring[s.ringHead].id
	lost := id+1 < oldest
	last := id
	// The ring holds consecutive ids from oldest on, so the first event
	// after id is found by subtraction: a stream that is up to date costs
	// nothing however large the ring.
	first := 0
	if id >= oldest {
		first = int(min(id-oldest+1, uint64(n)))
	}
	for i := first; i < n; i++ {
		e := &s.ring[(s.ringHead+i)%n]
		if e.id <= id {
			continue
		}
		last = e.id
		if !k.Admin && e.tenant != k.Tenant {
			continue
		}
		if campaign != "" && e.campaign != campaign {
			continue
		}
		dst = append(dst, *e)
	}
	return dst, last, lost
}

// visible reports whether a key may see r.
func visible(k *Key, r *record) bool {
	return k.Admin || (r.tenant != "" && r.tenant == k.Tenant)
}

// lookup finds a call by registration id or Call-ID. Called with s.mu held,
// for reading at least.
func (s *Server) lookup(id string) *record {
	if strings.HasPrefix(id, regPrefix) {
		if r := s.byReg[id]; r != nil {
			return r
		}
	}
	return s.byCall[id]
}
