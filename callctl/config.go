package callctl

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Key is one API key as the configuration holds it: the SHA-256 of the
// secret (never the secret itself) and the tenant it acts for.
type Key struct {
	// Hash is the SHA-256 of the key's secret, 32 bytes.
	Hash [32]byte
	// Tenant is the tenant whose calls and events the key sees.
	Tenant string
	// Admin keys see every tenant, and /metrics.
	Admin bool
	// Name identifies the key in logs and rate limiting: the first 8 hex
	// digits of the hash unless given.
	Name string
}

// HashKey returns the hex SHA-256 of a key's secret, the form ParseKeys
// reads (the same as `printf %s SECRET | sha256sum`).
func HashKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// ParseKey parses one key line: the hex SHA-256 of the secret (optionally
// prefixed "sha256:"), the tenant, then optional words "admin" and
// "name=NAME".
func ParseKey(line string) (Key, error) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return Key{}, errors.New("callctl: key: want HASH TENANT [admin] [name=NAME]")
	}
	hs := strings.TrimPrefix(strings.ToLower(f[0]), "sha256:")
	b, err := hex.DecodeString(hs)
	if err != nil || len(b) != 32 {
		return Key{}, errors.New("callctl: key: the hash is not 64 hex digits (store the SHA-256 of the key, not the key)")
	}
	k := Key{Tenant: f[1], Name: hs[:8]}
	copy(k.Hash[:], b)
	for _, w := range f[2:] {
		switch {
		case w == "admin":
			k.Admin = true
		case strings.HasPrefix(w, "name="):
			k.Name = strings.TrimPrefix(w, "name=")
		default:
			return Key{}, fmt.Errorf("callctl: key: unknown word %q", w)
		}
	}
	return k, nil
}

// ParseKeys reads one key per line in the form ParseKey reads; blank lines
// and lines starting with # are skipped.
func ParseKeys(r io.Reader) ([]Key, error) {
	var keys []Key
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := ParseKey(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		keys = append(keys, k)
	}
	return keys, sc.Err()
}

// Hooks are optional observers the operator's metrics attach to. Each is
// called synchronously and must be cheap and safe for concurrent use.
type Hooks struct {
	// Request is called after each API request that is not a stream or a
	// long poll, with its route pattern, status and duration.
	Request func(route string, status int, d time.Duration)
	// Published is called when an event is published, with the time
	// between the Sink call and the event being in the ring.
	Published func(kind string, d time.Duration)
	// WebhookFailed is called for every failed delivery attempt; final is
	// true when the event is given up (attempts exhausted or queue full).
	WebhookFailed func(final bool)
	// Shed is called when something is dropped to keep memory bounded:
	// "registration", "call", "webhook".
	Shed func(what string)
	// KeysReloaded is called after each key reload (see KeyReloader) with
	// the number of keys in use and the reload's error, nil on success.
	KeysReloaded func(keys int, err error)
}

// Config configures a Server.
type Config struct {
	// Keys are the API keys.
	Keys []Key
	// DefaultTenant owns calls nobody registered; empty means only admin
	// keys see them.
	DefaultTenant string
	// MatchWindow is how long after its registration a call can be matched
	// by called number.
	MatchWindow time.Duration
	// MatchDigits is how many trailing digits two numbers must share to
	// match, so that national and international forms of a number agree
	// (numbers shorter than that must be equal).
	MatchDigits int
	// TTL is how long a call or registration is kept after it was created.
	TTL time.Duration
	// MaxCalls bounds the calls and registrations kept; the oldest are
	// dropped (and counted) beyond it.
	MaxCalls int
	// EventRing is how many events are kept for Last-Event-ID resume.
	EventRing int
	// MaxSubscribers bounds concurrent event streams.
	MaxSubscribers int
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	// MaxWait bounds a long poll's wait.
	MaxWait time.Duration
	// RateLimit is each key's sustained requests per second, RateBurst its
	// burst. A RateLimit of 0 disables rate limiting.
	RateLimit float64
	RateBurst int
	// WebhookSecret signs webhooks; with none, webhooks are not sent.
	WebhookSecret string
	// WebhookAllow lists webhook targets allowed besides public unicast
	// addresses, which are the only ones allowed by default: addresses
	// or CIDR prefixes ("10.1.2.3", "10.1.2.0/24", "fd00:1::/64"), host
	// names ("hooks.example.com", "*.hooks.example.com"), and either with
	// a port ("127.0.0.1:9000", "[::1]:9000", "hooks.internal:8443"). An
	// address entry is matched against the address actually dialled; a
	// name entry trusts the name wherever it resolves.
	WebhookAllow []string
	// WebhookHTTPSOnly refuses http:// webhook URLs.
	WebhookHTTPSOnly bool
	// WebhookQueue bounds deliveries waiting (first attempts and retries).
	WebhookQueue int
	// WebhookWorkers is the number of concurrent deliveries.
	WebhookWorkers int
	// WebhookAttempts is the number of attempts per event.
	WebhookAttempts int
	// WebhookBackoff is the delay before the first retry; it doubles after
	// each failure up to WebhookMaxBackoff.
	WebhookBackoff    time.Duration
	WebhookMaxBackoff time.Duration
	// WebhookTimeout bounds one delivery attempt.
	WebhookTimeout time.Duration
	// HeartbeatInterval is the period of keep-alive comments on streams.
	HeartbeatInterval time.Duration
	// Metrics serves /metrics (admin keys only) when set.
	Metrics http.Handler
	// Ready reports whether the service is ready (/readyz); nil means
	// always ready.
	Ready func() error
	// Now is the wall clock; nil means time.Now.
	Now func() time.Time
	// Hooks observe the server for metrics.
	Hooks Hooks
}

// DefaultConfig returns a configuration for a single site: keys must still
// be added.
func DefaultConfig() Config {
	return Config{
		MatchWindow:       2 * time.Minute,
		MatchDigits:       9,
		TTL:               time.Hour,
		MaxCalls:          200000,
		EventRing:         65536,
		MaxSubscribers:    1024,
		MaxBodyBytes:      16 << 10,
		MaxWait:           60 * time.Second,
		RateLimit:         1000,
		RateBurst:         2000,
		WebhookQueue:      10000,
		WebhookWorkers:    8,
		WebhookAttempts:   6,
		WebhookBackoff:    500 * time.Millisecond,
		WebhookMaxBackoff: 30 * time.Second,
		WebhookTimeout:    5 * time.Second,
		HeartbeatInterval: 15 * time.Second,
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if err := validateKeys(c.Keys); err != nil {
		errs = append(errs, err)
	}
	if _, err := newTargetPolicy(c.WebhookAllow, c.WebhookHTTPSOnly); err != nil {
		errs = append(errs, err)
	}
	pos := func(name string, ok bool) {
		if !ok {
			errs = append(errs, fmt.Errorf("callctl: %s must be positive", name))
		}
	}
	pos("match window", c.MatchWindow > 0)
	pos("match digits", c.MatchDigits > 0)
	pos("TTL", c.TTL > 0)
	pos("max calls", c.MaxCalls > 0)
	pos("event ring", c.EventRing > 0)
	pos("max subscribers", c.MaxSubscribers > 0)
	pos("max body bytes", c.MaxBodyBytes > 0)
	pos("max wait", c.MaxWait > 0)
	pos("webhook queue", c.WebhookQueue > 0)
	pos("webhook workers", c.WebhookWorkers > 0)
	pos("webhook attempts", c.WebhookAttempts > 0)
	pos("webhook backoff", c.WebhookBackoff > 0 && c.WebhookMaxBackoff >= c.WebhookBackoff)
	pos("webhook timeout", c.WebhookTimeout > 0)
	pos("heartbeat interval", c.HeartbeatInterval > 0)
	if c.RateLimit < 0 || (c.RateLimit > 0 && c.RateBurst < 1) {
		errs = append(errs, errors.New("callctl: rate limit must be >= 0 with a burst >= 1"))
	}
	return errors.Join(errs...)
}

// validateKeys reports a key set that cannot be used: empty, a key with
// no tenant, or one secret configured twice.
func validateKeys(keys []Key) error {
	var errs []error
	if len(keys) == 0 {
		errs = append(errs, errors.New("callctl: no API keys configured"))
	}
	seen := make(map[[32]byte]int, len(keys))
	for i, k := range keys {
		if k.Tenant == "" {
			errs = append(errs, fmt.Errorf("callctl: key %d has no tenant", i+1))
		}
		if j, dup := seen[k.Hash]; dup {
			errs = append(errs, fmt.Errorf("callctl: keys %d and %d have the same hash", j+1, i+1))
		}
		seen[k.Hash] = i
	}
	return errors.Join(errs...)
}

// mask hides all but the last 4 digits of a number, for logs.
func mask(n string) string {
	if len(n) <= 4 {
		return strings.Repeat("*", len(n))
	}
	return strings.Repeat("*", len(n)-4) + n[len(n)-4:]
}

// digits keeps the decimal digits of a number.
func digits(n string) string {
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			b := make([]byte, 0, len(n))
			for j := 0; j < len(n); j++ {
				if n[j] >= '0' && n[j] <= '9' {
					b = append(b, n[j])
				}
			}
			return string(b)
		}
	}
	return n
}

// parseWait reads a wait such as "5s", "1500ms" or "5" (seconds).
func parseWait(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && n >= 0 {
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errors.New("bad duration")
	}
	return d, nil
}
