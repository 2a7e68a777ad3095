package callctl

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// events streams server-sent events: one per verdict, beep end and call
// end visible to the key, optionally of one campaign. Each has an id; a
// client that reconnects with Last-Event-ID (header, or ?last_event_id=)
// gets the events after it that are still in the ring, preceded by a
// comment when some were lost. Without one, the stream starts with the
// next event.
func (s *Server) events(w http.ResponseWriter, r *http.Request, k *Key) {
	campaign := r.URL.Query().Get("campaign")
	lastStr := r.Header.Get("Last-Event-ID")
	if lastStr == "" {
		lastStr = r.URL.Query().Get("last_event_id")
	}
	s.mu.Lock()
	if s.subs >= s.cfg.MaxSubscribers {
		s.mu.Unlock()
		problem(w, http.StatusServiceUnavailable, "unavailable", "Too many streams", "the server has too many event streams open")
		return
	}
	s.subs++
	last := s.nextID
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.subs--
		s.mu.Unlock()
	}()
	if lastStr != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(lastStr), 10, 64)
		if err != nil {
			problem(w, http.StatusBadRequest, "bad-request", "Bad Last-Event-ID", "Last-Event-ID must be an event id")
			return
		}
		last = n
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	buf := make([]byte, 0, 4096)
	buf = append(buf, "retry: 1000\n\n"...)
	write := func() bool {
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := w.Write(buf); err != nil {
			return false
		}
		buf = buf[:0]
		return rc.Flush() == nil
	}
	if !write() {
		return
	}
	beat := time.NewTicker(s.cfg.HeartbeatInterval)
	defer beat.Stop()
	var evs []storedEvent
	closing := false
	for {
		s.mu.RLock()
		var lost bool
		evs, last, lost = s.eventsAfter(evs[:0], last, k, campaign)
		ch := s.evCh
		s.mu.RUnlock()
		if lost {
			buf = append(buf, ": events were lost: the ring holds fewer than were missed\n\n"...)
		}
		for i := range evs {
			e := &evs[i]
			buf = append(buf, "id: "...)
			buf = strconv.AppendUint(buf, e.id, 10)
			buf = append(buf, "\nevent: "...)
			buf = append(buf, e.kind...)
			buf = append(buf, "\ndata: "...)
			buf = append(buf, e.data...)
			buf = append(buf, "\n\n"...)
		}
		if len(buf) > 0 && !write() {
			return
		}
		if closing {
			return
		}
		select {
		case <-ch:
		case <-beat.C:
			buf = append(buf, ": keep-alive\n\n"...)
		case <-r.Context().Done():
			return
		case <-s.done:
			closing = true // send what was published, then end
		}
	}
}
