// Package callctl is the call controller's API: a dialer registers the call
// it is about to place, then learns the audio verdict (human, machine, fax,
// silence...) and the end of a voicemail beep the moment the pipeline
// reaches them, by asking (GET /v1/calls/{id}), by waiting on it (a long
// poll), by a stream of server-sent events (GET /v1/events), or by a signed
// webhook.
//
// The pipeline feeds a Server through the Sink interface: Verdict for each
// decision and beep end, Call for each finished call. Sink methods never
// block on the network: events go to a bounded ring that streams read from
// and to a bounded webhook queue whose overflow is counted.
//
// Verdicts are matched to registrations by SIP Call-ID when the
// registration gave one, else by called number (its last
// Config.MatchDigits digits, 9 by default) among registrations made within
// Config.MatchWindow before the verdict. Calls nobody registered belong to
// Config.DefaultTenant; when that is empty only admin keys see them.
//
// Every endpoint except /healthz needs an API key (Authorization: Bearer
// KEY or X-API-Key: KEY). The configuration holds only SHA-256 hashes of the
// keys, compared in constant time; each key is bound to one tenant and sees
// only that tenant's calls and events. Server.SetKeys replaces the keys at
// once, and a KeyReloader does so from a keys file when it changes.
//
// Webhook URLs come from API clients, so deliveries go only to public
// unicast addresses unless Config.WebhookAllow names the target: a
// registration with a literal forbidden address is refused, and every
// connection resolves the host itself and checks each address (and the
// socket's own address) before connecting, so DNS rebinding cannot reach a
// forbidden address. Redirects are not followed.
//
// Errors are RFC 9457 problem details
// (application/problem+json) that name the mistake, never an internal
// error. The OpenAPI 3 document is openapi.json in this directory, served
// at /openapi.json.
//
// callctl imports nothing of callsight but outcome: the pipeline's own
// types are translated by the command that wires it.
package callctl
