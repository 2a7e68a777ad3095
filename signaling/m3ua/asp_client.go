//go:build linux

package m3ua

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/ishidawataru/sctp"
	gom3ua "github.com/wmnsk/go-m3ua"
)

// sctpAddr resolves "host:port" addresses into one multi-homed SCTP
// address (every port must agree).
func sctpAddr(addrs []string) (*sctp.SCTPAddr, error) {
	if len(addrs) == 0 {
		return nil, nil
	}
	out := &sctp.SCTPAddr{}
	for i, a := range addrs {
		host, port, _ := net.SplitHostPort(a)
		p, _ := strconv.Atoi(port)
		if i == 0 {
			out.Port = p
		} else if p != out.Port {
			return nil, fmt.Errorf("m3ua: asp: addresses %v: ports differ", addrs)
		}
		ip := net.ParseIP(host)
		if host == "" {
			ip = net.IPv4zero
		}
		out.IPAddrs = append(out.IPAddrs, net.IPAddr{IP: ip})
	}
	return out, nil
}

// run dials with go-m3ua's client, which runs ASP Up and ASP Active and
// answers heartbeats in its own goroutine, then reads DATA.
func (a *ASP) run(ctx context.Context, fn func(*ASPData)) error {
	c := a.cfg
	laddr, err := sctpAddr(c.Local)
	if err != nil {
		return err
	}
	raddr, err := sctpAddr(c.Remote)
	if err != nil {
		return err
	}
	cfg := gom3ua.NewClientConfig(
		gom3ua.NewHeartbeatInfo(c.Heartbeat, c.Heartbeat, nil),
		c.PointCode, c.PeerPointCode, c.ASPIdentifier, uint32(c.TrafficMode), c.NetworkAppearance, 0,
		c.RoutingContexts, uint8(SIISUP), c.NetworkIndicator, 0, 0)
	dctx, cancel := context.WithTimeout(ctx, c.DialTimeout)
	defer cancel()
	conn, err := gom3ua.Dial(dctx, "m3ua", laddr, raddr, cfg)
	if err != nil {
		return fmt.Errorf("m3ua: asp %s: association to %v: %w", c.AS, c.Remote, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	buf := make([]byte, 1<<16)
	var d ASPData
	var msg []byte
	for {
		n, err := conn.Read(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, gom3ua.ErrNotEstablished) {
				return fmt.Errorf("m3ua: asp %s: association lost: %w", c.AS, err)
			}
			return fmt.Errorf("m3ua: asp %s: %w", c.AS, err)
		}
		msg = appendDATA(msg[:0], c.RoutingContexts, c.PeerPointCode, c.PointCode, SIISUP, c.NetworkIndicator, buf[:n])
		d = ASPData{Time: a.now(), OPC: c.PeerPointCode, DPC: c.PointCode, SI: SIISUP, NI: c.NetworkIndicator, Payload: buf[:n], Message: msg}
		fn(&d)
	}
}
