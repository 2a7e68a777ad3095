package siprec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Config configures a recording server.
type Config struct {
	// MediaAddr is the IP address media is received on and announced in
	// the SDP answer.
	MediaAddr netip.Addr
	// PortMin and PortMax bound the UDP ports allocated to streams (one
	// even port per stream; RTCP on port+1 is not read).
	PortMin, PortMax uint16
	// MaxSessions bounds the recording sessions at once; more INVITEs
	// get 486 Busy Here.
	MaxSessions int
	// Now stamps received RTP (callers pass time.Now: only cmd reads the
	// wall clock).
	Now func() time.Time
	// Log gets session set-up and tear-down at debug level and refused
	// requests at warn (may be nil).
	Log *slog.Logger
}

// DefaultConfig returns ports 30000 to 39999 and 1000 sessions on
// 127.0.0.1; MediaAddr and Now are meant to be set.
func DefaultConfig() Config {
	return Config{MediaAddr: netip.MustParseAddr("127.0.0.1"), PortMin: 30000, PortMax: 39999, MaxSessions: 1000}
}

// Validate reports the first field of c out of range.
func (c Config) Validate() error {
	switch {
	case !c.MediaAddr.IsValid():
		return errors.New("siprec: no media address")
	case c.PortMin < 1024 || c.PortMin > c.PortMax || c.PortMin%2 != 0:
		return fmt.Errorf("siprec: port range %d-%d: want an even low port >= 1024 and low <= high", c.PortMin, c.PortMax)
	case c.MaxSessions < 1:
		return fmt.Errorf("siprec: MaxSessions %d must be positive", c.MaxSessions)
	case c.Now == nil:
		return errors.New("siprec: no clock (Now)")
	}
	return nil
}

// Role says which party of the original call a stream carries.
type Role string

// Roles of a stream.
const (
	RoleCaller  Role = "caller"
	RoleCallee  Role = "callee"
	RoleUnknown Role = "unknown"
)

// StreamInfo describes one stream of a recording session.
type StreamInfo struct {
	Index   int            // m-line index in the offer
	Label   string         // a=label
	Local   netip.AddrPort // where we receive it (Packet.Dst)
	Payload []int          // payload types offered
	RTPMap  map[int]string // a=rtpmap encodings, "PCMA/8000"...
	// Role: the participant sending this stream per the metadata;
	// without metadata that says, the first stream is the caller's.
	Role Role
	// From is the participant that sends it, when the metadata says.
	From *Participant
}

// SessionInfo describes a recording session: "this SIPREC session records
// the original call X; its streams A and B carry the caller and callee".
// It is reported when the session starts and again on every re-INVITE.
type SessionInfo struct {
	ID       string // the recording session's SIP Call-ID
	Time     time.Time
	Metadata *Metadata // nil when the INVITE had none
	Streams  []StreamInfo
	// OriginalCallIDs and SessionIDs identify the recorded call
	// (Metadata.CallIDs and Metadata.SessionIDs).
	OriginalCallIDs, SessionIDs []string
	// Caller and Callee are the participants' numbers (the first and
	// second participant when the metadata does not say who sends what).
	Caller, Callee string
}

// Packet is one datagram received on a stream's port.
type Packet struct {
	Session  string // SessionInfo.ID
	Stream   int    // StreamInfo.Index
	Time     time.Time
	Src, Dst netip.AddrPort
	// Data aliases the receive buffer: valid only during the callback.
	Data []byte
}

// Handler gets what the server receives. Callbacks are never called
// concurrently (they run under one lock).
type Handler struct {
	OnSession func(*SessionInfo)
	OnEnd     func(id string, at time.Time)
	OnPacket  func(*Packet)
}

// Stats counts what the server did. Counters never decrease.
type Stats struct {
	Sessions, Ended, Refused, ReInvites uint64
	Packets, Bytes                      uint64
}

// Server is a SIPREC recording server.
type Server struct {
	cfg Config
	h   Handler
	log *slog.Logger
	srv *sipgo.Server
	ua  *sipgo.UserAgent

	mu       sync.Mutex // sessions, ports, and every callback
	sessions map[string]*session
	used     map[uint16]bool
	next     uint16

	sessionsN, ended, refused, reinvites, packets, bytes atomic.Uint64
}

type session struct {
	info    SessionInfo
	streams []*mediaStream
}

type mediaStream struct {
	conn    *net.UDPConn
	port    uint16
	started bool
}

// New returns a server; serve it with Serve.
func New(cfg Config, h Handler) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("callsight-siprec"))
	if err != nil {
		return nil, fmt.Errorf("siprec: %w", err)
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		return nil, fmt.Errorf("siprec: %w", err)
	}
	s := &Server{cfg: cfg, h: h, log: log, srv: srv, ua: ua,
		sessions: map[string]*session{}, used: map[uint16]bool{}, next: cfg.PortMin}
	srv.OnInvite(s.onInvite)
	srv.OnAck(func(*sip.Request, sip.ServerTransaction) {})
	srv.OnBye(s.onBye)
	srv.OnCancel(s.onBye)
	srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	return s, nil
}

// Serve serves SIP on a UDP socket the caller opened until ctx is done,
// then ends every session and returns nil. ServeTCP is the same over TCP.
func (s *Server) Serve(ctx context.Context, pc net.PacketConn) error {
	stop := context.AfterFunc(ctx, func() { pc.Close() })
	defer stop()
	err := s.srv.ServeUDP(pc)
	s.closeAll()
	s.ua.Close()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// ServeTCP serves SIP over TCP on a listener the caller opened until ctx
// is done, then closes it and every connection, ends every session and
// returns nil. Responses go back on the connection the request came on
// (RFC 3261 §18.2.2); media stays RTP over UDP.
func (s *Server) ServeTCP(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	err := s.srv.ServeTCP(ln)
	s.closeAll()
	s.ua.Close()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// ListenAndServe serves SIP on network ("udp" or "tcp") and addr until
// ctx is done.
func (s *Server) ListenAndServe(ctx context.Context, network, addr string) error {
	err := s.srv.ListenAndServe(ctx, network, addr)
	s.closeAll()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	return Stats{Sessions: s.sessionsN.Load(), Ended: s.ended.Load(), Refused: s.refused.Load(), ReInvites: s.reinvites.Load(),
		Packets: s.packets.Load(), Bytes: s.bytes.Load()}
}

func (s *Server) refuse(req *sip.Request, tx sip.ServerTransaction, code int, reason string, err error) {
	s.refused.Add(1)
	s.log.Warn("siprec: refused INVITE", "code", code, "err", err)
	tx.Respond(sip.NewResponseFromRequest(req, code, reason, nil))
}

func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	callID := ""
	if h := req.CallID(); h != nil {
		callID = h.Value()
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	sdpBody, mdBody, err := SplitBody(ct, req.Body())
	if err != nil || len(sdpBody) == 0 {
		s.refuse(req, tx, 488, "Not Acceptable Here", err)
		return
	}
	offer, err := parseOffer(sdpBody)
	if err != nil {
		s.refuse(req, tx, 488, "Not Acceptable Here", err)
		return
	}
	var md *Metadata
	if len(mdBody) > 0 {
		if md, err = ParseMetadata(mdBody); err != nil {
			s.refuse(req, tx, 400, "Bad Metadata", err)
			return
		}
	}
	now := s.cfg.Now()

	s.mu.Lock()
	sess := s.sessions[callID]
	re := sess != nil
	if !re {
		if len(s.sessions) >= s.cfg.MaxSessions {
			s.mu.Unlock()
			s.refuse(req, tx, 486, "Busy Here", errors.New("too many sessions"))
			return
		}
		sess = &session{}
		sess.info.ID = callID
	} else if md == nil {
		md = sess.info.Metadata
	}
	// Keep the ports of streams already set up; open the new ones.
	for i := len(sess.streams); i < len(offer); i++ {
		ms, err := s.openStream()
		if err != nil {
			if !re {
				s.closeSession(sess)
			}
			s.mu.Unlock()
			s.refuse(req, tx, 503, "Service Unavailable", err)
			return
		}
		sess.streams = append(sess.streams, ms)
	}
	sess.info.Time = now
	sess.info.Metadata = md
	sess.info.Streams = describe(offer, sess.streams, s.cfg.MediaAddr, md)
	sess.info.OriginalCallIDs, sess.info.SessionIDs, sess.info.Caller, sess.info.Callee = nil, nil, "", ""
	if md != nil {
		sess.info.OriginalCallIDs, sess.info.SessionIDs = md.CallIDs, md.SessionIDs
		sess.info.Caller, sess.info.Callee = parties(md, sess.info.Streams)
	}
	if !re {
		s.sessions[callID] = sess
		s.sessionsN.Add(1)
	} else {
		s.reinvites.Add(1)
	}
	for i, ms := range sess.streams {
		if !ms.started {
			ms.started = true
			go s.readStream(callID, i, ms)
		}
	}
	info := sess.info
	answer := answerSDP(s.cfg.MediaAddr, offer, sess.streams)
	if s.h.OnSession != nil {
		s.h.OnSession(&info)
	}
	s.mu.Unlock()

	res := sip.NewResponseFromRequest(req, 200, "OK", answer)
	res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	res.AppendHeader(sip.NewHeader("Contact", "<sip:callsight@"+s.cfg.MediaAddr.String()+">"))
	if err := tx.Respond(res); err != nil {
		s.log.Warn("siprec: 200 OK not sent", "call_id", callID, "err", err)
	}
	s.log.Debug("siprec: session", "call_id", callID, "streams", len(offer), "reinvite", re)
}

func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	callID := ""
	if h := req.CallID(); h != nil {
		callID = h.Value()
	}
	s.mu.Lock()
	sess := s.sessions[callID]
	if sess != nil {
		delete(s.sessions, callID)
		s.closeSession(sess)
		s.ended.Add(1)
		if s.h.OnEnd != nil {
			s.h.OnEnd(callID, s.cfg.Now())
		}
	}
	s.mu.Unlock()
	code, reason := 200, "OK"
	if sess == nil {
		code, reason = 481, "Call/Transaction Does Not Exist"
	}
	tx.Respond(sip.NewResponseFromRequest(req, code, reason, nil))
}

// openStream binds the next free even port of the range. Called with
// s.mu held.
func (s *Server) openStream() (*mediaStream, error) {
	span := int(s.cfg.PortMax-s.cfg.PortMin)/2 + 1
	for range span {
		p := s.next
		s.next += 2
		if s.next > s.cfg.PortMax || s.next < s.cfg.PortMin {
			s.next = s.cfg.PortMin
		}
		if s.used[p] {
			continue
		}
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(s.cfg.MediaAddr, p)))
		if err != nil {
			continue // taken by someone else
		}
		s.used[p] = true
		return &mediaStream{conn: c, port: p}, nil
	}
	return nil, fmt.Errorf("siprec: no free port in %d-%d", s.cfg.PortMin, s.cfg.PortMax)
}

// closeSession closes a session's sockets. Called with s.mu held.
func (s *Server) closeSession(sess *session) {
	for _, ms := range sess.streams {
		ms.conn.Close()
		delete(s.used, ms.port)
	}
}

func (s *Server) closeAll() {
	s.mu.Lock()
	for id, sess := range s.sessions {
		s.closeSession(sess)
		delete(s.sessions, id)
	}
	s.mu.Unlock()
}

// readStream reads one stream's socket until it is closed.
func (s *Server) readStream(id string, idx int, ms *mediaStream) {
	buf := make([]byte, 2048)
	dst := netip.AddrPortFrom(s.cfg.MediaAddr, ms.port)
	var p Packet
	for {
		n, src, err := ms.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		s.packets.Add(1)
		s.bytes.Add(uint64(n))
		s.mu.Lock()
		if s.h.OnPacket != nil {
			p = Packet{Session: id, Stream: idx, Time: s.cfg.Now(), Src: src, Dst: dst, Data: buf[:n]}
			s.h.OnPacket(&p)
		}
		s.mu.Unlock()
	}
}

// answerSDP answers every offered m-line on its stream's port, recvonly
// (RFC 7866 §8.1.1), with the offer's first format and its label.
func answerSDP(addr netip.Addr, offer []offerMedia, streams []*mediaStream) []byte {
	ipv := "IP4"
	if addr.Is6() {
		ipv = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=callsight 1 1 IN %s %s\r\ns=callsight SIPREC\r\nc=IN %s %s\r\nt=0 0\r\n", ipv, addr, ipv, addr)
	for i, m := range offer {
		port := int(streams[i].port)
		pt := 0
		if len(m.formats) > 0 {
			pt = m.formats[0]
		}
		if m.port == 0 {
			port = 0 // a rejected stream stays rejected
		}
		fmt.Fprintf(&b, "m=%s %d %s %d\r\n", m.media, port, m.proto, pt)
		if enc, ok := m.rtpmap[pt]; ok {
			fmt.Fprintf(&b, "a=rtpmap:%d %s\r\n", pt, enc)
		}
		if m.label != "" {
			fmt.Fprintf(&b, "a=label:%s\r\n", m.label)
		}
		b.WriteString("a=recvonly\r\n")
	}
	return []byte(b.String())
}

// describe builds the streams' descriptions, with roles from the
// metadata: the stream whose label matches a metadata stream sent by the
// first participant is the caller's.
func describe(offer []offerMedia, streams []*mediaStream, addr netip.Addr, md *Metadata) []StreamInfo {
	out := make([]StreamInfo, len(offer))
	for i, m := range offer {
		out[i] = StreamInfo{Index: i, Label: m.label, Local: netip.AddrPortFrom(addr, streams[i].port), Payload: m.formats, RTPMap: m.rtpmap, Role: RoleUnknown}
		if md != nil {
			for _, ms := range md.Streams {
				if ms.Label != m.label || m.label == "" {
					continue
				}
				for k := range md.Participants {
					p := &md.Participants[k]
					for _, sid := range p.Send {
						if sid == ms.ID {
							out[i].From = p
							if k == 0 {
								out[i].Role = RoleCaller
							} else {
								out[i].Role = RoleCallee
							}
						}
					}
				}
			}
		}
		if out[i].Role == RoleUnknown && len(offer) == 2 {
			out[i].Role = []Role{RoleCaller, RoleCallee}[i]
		}
	}
	return out
}

// parties returns the caller's and callee's numbers: the first and
// second participants of the metadata.
func parties(md *Metadata, _ []StreamInfo) (caller, callee string) {
	if len(md.Participants) > 0 {
		caller = md.Participants[0].Number
	}
	if len(md.Participants) > 1 {
		callee = md.Participants[1].Number
	}
	return caller, callee
}
