package shuffle

import (
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Server error codes (nats-server errors.json) that mean "later".
const (
	codeTooManyRequests  = 10167 // the stream's ingest queue is full (HTTP-like code 429)
	codeClusterNotAvail  = 10008 // JetStream system temporarily unavailable
	codeNotLeader        = 10009 // the cluster cannot handle the request (leader changing)
	codeDuplicateInFlght = 10158 // a message with this ID is being stored right now
)

// retryable reports whether a publish that failed with err may succeed
// when tried again: a full window, a timeout, no stream answering (a
// server restarting; the caller rules out a deleted stream), a lost
// connection, or a server too busy. Anything else — the stream not found,
// a message too large, storage exhausted, a closed connection — is
// permanent.
func retryable(err error) bool {
	for _, t := range []error{
		jetstream.ErrTooManyStalledMsgs, jetstream.ErrAsyncPublishTimeout, jetstream.ErrNoStreamResponse,
		jetstream.ErrInvalidJSAck, nats.ErrNoResponders, nats.ErrTimeout, nats.ErrDisconnected,
		nats.ErrReconnectBufExceeded, errAckWait,
	} {
		if errors.Is(err, t) {
			return true
		}
	}
	var api *jetstream.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode {
	case codeTooManyRequests, codeClusterNotAvail, codeNotLeader, codeDuplicateInFlght:
		return true
	}
	return api.Code == 429
}

// noStream reports whether err says that no stream took the message.
func noStream(err error) bool {
	return errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders)
}
