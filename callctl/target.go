package callctl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrWebhookTarget is the error (wrapped in a *TargetError) of a webhook
// URL or connection that the webhook target policy forbids.
var ErrWebhookTarget = errors.New("callctl: webhook target not allowed")

// TargetError says why a webhook target is forbidden. At registration
// nothing is resolved, so the reason names only what the client gave; at
// connection time (logged, never returned to a client) it also names the
// address a host name resolved to.
type TargetError struct {
	// Host is the URL's host (name or address) or the address dialled.
	Host string
	// Reason says what is wrong with it, for example "is a loopback address".
	Reason string
}

func (e *TargetError) Error() string {
	return "callctl: webhook target " + e.Host + " " + e.Reason
}

// Unwrap makes errors.Is(err, ErrWebhookTarget) true.
func (e *TargetError) Unwrap() error { return ErrWebhookTarget }

// special is one special-purpose range webhooks may not reach by default.
type special struct {
	prefix netip.Prefix
	reason string
}

// specials are the IANA special-purpose ranges (RFC 6890 and the IANA
// IPv4/IPv6 Special-Purpose Address Registries) that are not public
// unicast. IPv4-mapped, NAT64 and 6to4 IPv6 addresses are checked through
// the IPv4 address they embed (see embeddedV4) before this table.
var specials = func() []special {
	var out []special
	for _, s := range []struct{ p, reason string }{
		{"0.0.0.0/8", "is an unspecified (\"this network\") address"},
		{"10.0.0.0/8", "is a private (RFC 1918) address"},
		{"100.64.0.0/10", "is a carrier-grade NAT (RFC 6598) address"},
		{"127.0.0.0/8", "is a loopback address"},
		{"169.254.0.0/16", "is a link-local address (cloud metadata services live there)"},
		{"172.16.0.0/12", "is a private (RFC 1918) address"},
		{"192.0.0.0/24", "is an IETF protocol assignment address"},
		{"192.0.2.0/24", "is a documentation address"},
		{"192.88.99.0/24", "is a 6to4 relay anycast address"},
		{"192.168.0.0/16", "is a private (RFC 1918) address"},
		{"198.18.0.0/15", "is a benchmarking address"},
		{"198.51.100.0/24", "is a documentation address"},
		{"203.0.113.0/24", "is a documentation address"},
		{"224.0.0.0/4", "is a multicast address"},
		{"240.0.0.0/4", "is a reserved or broadcast address"},
		{"::/128", "is the unspecified address"},
		{"::1/128", "is a loopback address"},
		{"::/96", "is an IPv4-compatible (deprecated) address"},
		{"64:ff9b:1::/48", "is a local-use NAT64 address"},
		{"100::/64", "is a discard-only address"},
		{"2001::/23", "is an IETF protocol assignment address (Teredo, ORCHID, benchmarking)"},
		{"2001:db8::/32", "is a documentation address"},
		{"3fff::/20", "is a documentation address"},
		{"fc00::/7", "is a unique local (RFC 4193) address"},
		{"fe80::/10", "is a link-local address"},
		{"fec0::/10", "is a site-local (deprecated) address"},
		{"ff00::/8", "is a multicast address"},
	} {
		out = append(out, special{netip.MustParsePrefix(s.p), s.reason})
	}
	return out
}()

var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// embeddedV4 returns the IPv4 address an IPv4-mapped (::ffff:a.b.c.d),
// NAT64 (64:ff9b::a.b.c.d) or 6to4 (2002:aabb:ccdd::) address reaches.
func embeddedV4(a netip.Addr) (netip.Addr, bool) {
	if a.Is4In6() {
		return a.Unmap(), true
	}
	if !a.Is6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixTo4.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// publicReason returns "" when a is a public unicast address, else why
// it is not.
func publicReason(a netip.Addr) string {
	if a.Zone() != "" {
		return "is a scoped (zoned) address"
	}
	if v4, ok := embeddedV4(a); ok {
		if r := publicReason(v4); r != "" {
			return r + " in IPv6 form"
		}
		return ""
	}
	for _, s := range specials {
		if s.prefix.Contains(a) {
			return s.reason
		}
	}
	if !a.IsGlobalUnicast() {
		return "is not a public unicast address"
	}
	return ""
}

// allowRule is one entry of Config.WebhookAllow.
type allowRule struct {
	prefix netip.Prefix // an address or a CIDR, when valid
	name   string       // a host name, lower case, without a trailing dot; "*.x" matches below x
	port   string       // "" matches every port
}

// targetPolicy decides which webhook targets are allowed: public unicast
// addresses over http or https (https only with httpsOnly), and what the
// allow-list names.
type targetPolicy struct {
	allow     []allowRule
	httpsOnly bool
}

// parseAllowRule parses "10.1.2.0/24", "10.1.2.3", "2001:db8::/32",
// "hooks.example.com", "*.hooks.example.com", "127.0.0.1:9000",
// "[::1]:9000" or "hooks.internal:8443".
func parseAllowRule(s string) (allowRule, error) {
	s = strings.TrimSpace(s)
	bad := func(why string) (allowRule, error) {
		return allowRule{}, fmt.Errorf("callctl: webhook allow %q: %s", s, why)
	}
	if s == "" {
		return bad("empty entry")
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return bad("not a CIDR prefix")
		}
		if p != p.Masked() {
			return bad("the prefix has bits set past its length (write " + p.Masked().String() + ")")
		}
		return allowRule{prefix: p}, nil
	}
	if a, err := netip.ParseAddr(s); err == nil { // a bare address, IPv6 without brackets
		if a.Zone() != "" {
			return bad("zoned addresses are not supported")
		}
		return allowRule{prefix: netip.PrefixFrom(a, a.BitLen())}, nil
	}
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return bad("the port must be 1 to 65535")
		}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return bad("zoned addresses are not supported")
		}
		return allowRule{prefix: netip.PrefixFrom(a, a.BitLen()), port: port}, nil
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if msg := checkHostName(strings.TrimPrefix(name, "*.")); msg != "" {
		return bad(msg)
	}
	return allowRule{name: name, port: port}, nil
}

func newTargetPolicy(allow []string, httpsOnly bool) (*targetPolicy, error) {
	p := &targetPolicy{httpsOnly: httpsOnly}
	var errs []error
	for _, s := range allow {
		r, err := parseAllowRule(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.allow = append(p.allow, r)
	}
	return p, errors.Join(errs...)
}

// checkHostName returns "" for a syntactically valid DNS name that cannot
// be taken for an IP address, else why not. A name whose last label is
// numeric ("2130706433", "127.1", "0x7f.1", "127.000.0.1") is an address
// in a notation some resolvers (inet_aton) accept: it is refused, since
// no top-level domain is numeric.
func checkHostName(name string) string {
	msg, _ := checkHostNameKind(name)
	return msg
}

// checkHostNameKind is checkHostName also saying whether the name was
// refused as an address in a non-standard notation.
func checkHostNameKind(name string) (msg string, ipLike bool) {
	if name == "" || len(name) > 253 {
		return "is not a valid host name", false
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "is not a valid host name", false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "is not a valid host name (write international names in their xn-- form)", false
			}
		}
	}
	last := labels[len(labels)-1]
	numeric := true
	for i := 0; i < len(last); i++ {
		numeric = numeric && last[i] >= '0' && last[i] <= '9'
	}
	hex := len(last) > 2 && last[0] == '0' && last[1] == 'x'
	if hex {
		for i := 2; i < len(last); i++ {
			c := last[i]
			hex = hex && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f')
		}
	}
	if numeric || hex {
		return "is an IP address in a non-standard notation (write it as a.b.c.d or [IPv6])", true
	}
	return "", false
}

// allowsName reports whether the allow-list names host (a DNS name,
// lower case, no trailing dot) on port.
func (p *targetPolicy) allowsName(host, port string) bool {
	for _, r := range p.allow {
		if r.name == "" || (r.port != "" && r.port != port) {
			continue
		}
		if r.name == host {
			return true
		}
		if sfx, ok := strings.CutPrefix(r.name, "*"); ok && strings.HasSuffix(host, sfx) {
			return true
		}
	}
	return false
}

// addrReason returns "" when address a on port may be reached, else why
// not.
func (p *targetPolicy) addrReason(a netip.Addr, port string) string {
	for _, r := range p.allow {
		if r.prefix.IsValid() && (r.port == "" || r.port == port) && (r.prefix.Contains(a) || r.prefix.Contains(a.Unmap())) {
			return ""
		}
	}
	return publicReason(a)
}

// checkURL checks a webhook URL at registration: scheme, host syntax and,
// when the host is an address, the address. Names are checked at every
// connection, once resolved (see dialContext): nothing is resolved here,
// so that a registration neither waits for DNS nor tells a client what
// internal names resolve to. It returns "" for an acceptable URL, else the
// problem's detail; forbidden is true when the URL is well formed but the
// policy refuses its target.
func (p *targetPolicy) checkURL(raw string) (detail string, forbidden bool) {
	const malformed = "webhook_url must be an absolute http or https URL"
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" || len(raw) > 2048 {
		return malformed, false
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "https":
	case scheme == "http" && p.httpsOnly:
		return "webhook_url must use https: this server sends webhooks over https only", true
	case scheme == "http":
	default:
		return malformed, false
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "webhook_url has a port outside 1 to 65535", false
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if r := p.addrReason(a, port); r != "" {
			return "webhook_url host " + host + " " + r + ": webhooks go only to public addresses unless the server's webhook allow-list names the target", true
		}
		return "", false
	}
	if strings.HasPrefix(u.Host, "[") {
		return "webhook_url host " + u.Host + " is not a valid IPv6 address", false
	}
	if msg, ipLike := checkHostNameKind(strings.TrimSuffix(strings.ToLower(host), ".")); msg != "" {
		return "webhook_url host " + host + " " + msg, ipLike
	}
	return "", false
}

// dialContext is the webhook transport's dialer. It resolves the host
// itself and refuses the connection when any address the name resolves
// to is forbidden (unless the allow-list names the host); it then dials
// the checked addresses one by one, and the dialer's Control checks the
// socket's address once more, so that neither a DNS answer that changes
// between check and use (rebinding) nor anything else in between can
// reach a forbidden address.
func (p *targetPolicy) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	if a, err := netip.ParseAddr(host); err == nil {
		if r := p.addrReason(a, port); r != "" {
			return nil, &TargetError{Host: host, Reason: r}
		}
		d.Control = p.control(nil)
		return d.DialContext(ctx, network, addr)
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if msg := checkHostName(name); msg != "" {
		return nil, &TargetError{Host: host, Reason: msg}
	}
	if p.allowsName(name, port) {
		return d.DialContext(ctx, network, addr) // the operator trusts the name wherever it points
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	for _, a := range ips {
		if r := p.addrReason(a, port); r != "" {
			return nil, &TargetError{Host: host, Reason: "resolves to " + a.String() + ", which " + r}
		}
	}
	allowed := map[netip.Addr]bool{}
	for _, a := range ips {
		allowed[a.Unmap()] = true
	}
	d.Control = p.control(allowed)
	var first error
	for i, a := range ips {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if dl, ok := ctx.Deadline(); ok && i < len(ips)-1 {
			// Like net.Dialer: each address gets a share of the time
			// left (at least 2 s), so a dead first address does not eat
			// the whole attempt.
			share := time.Until(dl) / time.Duration(len(ips)-i)
			actx, cancel = context.WithTimeout(ctx, max(share, 2*time.Second))
		}
		c, err := d.DialContext(actx, network, net.JoinHostPort(a.String(), port))
		cancel()
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// control returns a net.Dialer Control that refuses a socket whose
// address the policy forbids, or (with only) that is not one of only.
func (p *targetPolicy) control(only map[netip.Addr]bool) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &TargetError{Host: address, Reason: "is not an address"}
		}
		a := ap.Addr().Unmap()
		if only != nil && !only[a] {
			return &TargetError{Host: address, Reason: "is not an address the name was checked for"}
		}
		if r := p.addrReason(ap.Addr(), strconv.Itoa(int(ap.Port()))); r != "" {
			return &TargetError{Host: address, Reason: r}
		}
		return nil
	}
}
