// Package client is the Go API of a Spindle coordinator over NATS: what
// the CLI (and tests) use to store job binaries, submit applications,
// list and kill them, follow their progress and fetch container logs.
//
// Every call is a JSON request on a subject of package proto; a reply
// whose Error field is set becomes a Go error. Requests time out after
// RequestTimeout unless the caller's context ends sooner.
//
// Dial fails fast; DialWait retries with backoff for a timeout, for a
// client started together with its cluster.
//
// A Client is safe for concurrent use. It imports proto, rpc, retry and
// nats.go only; nothing in Spindle's runtime imports it.
package client
