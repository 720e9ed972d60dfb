// Package retry keeps trying an operation that fails while something it
// needs is not up yet (a NATS server, a coordinator): exponential backoff
// with a cap and jitter, bounded by a total timeout, with a callback per
// failed attempt so that the caller logs every retry.
//
// Backoff.Delay is pure; Do is the shell that reads the clock and sleeps.
// It imports only the standard library.
package retry
