package shuffle

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// Message headers.
const (
	hdrAttempt = "Spindle-Attempt" // producer attempt ID
	hdrSum     = "Spindle-Crc32c"  // CRC-32C of the payload, decimal
	hdrEnd     = "Spindle-End"     // end marker: number of batches the attempt sent
	hdrSeq     = "Spindle-Seq"     // batch number within the attempt and partition, from 1
	hdrChunk   = "Spindle-Chunk"   // "i/n": the i-th of n pieces of a batch larger than a message
)

// DuplicateWindow is how long the shuffle stream remembers message IDs:
// a message re-published within it (an ack lost, a publish retried after
// a timeout or a reconnect) is stored once. It must exceed AckWait plus a
// retry's backoff. The server keeps every ID of the window in memory,
// about 150 bytes a message: at the ~4,500 messages/s of 256 KiB that a
// server stores at full speed, 30 s costs some 20 MiB. A duplicate stored
// after the window is harmless: readers skip it by its sequence number.
const DuplicateWindow = 30 * time.Second

// Subject is the subject of one partition of one shuffle.
func Subject(appID string, shuffle, partition int) string {
	return "spindle.shuffle." + appID + "." + strconv.Itoa(shuffle) + "." + strconv.Itoa(partition)
}

// msgID is the Nats-Msg-Id of one message: unique per attempt, shuffle,
// partition, batch and chunk (seq 0 is the end marker), so that only a
// re-publish of the same message has the same ID. The stream is the
// application's, so the ID need not name it.
func msgID(attempt string, shuffle, partition, seq, chunk int) string {
	b := make([]byte, 0, len(attempt)+24)
	b = append(b, attempt...)
	for _, n := range []int{shuffle, partition, seq, chunk} {
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return string(b)
}

// EnsureStream creates the application's shuffle stream if it does not
// exist yet, or updates its configuration. The job master calls it before
// any task runs.
//
// The stream is on file storage, with proto.Replicas copies (one unless
// the cluster keeps three of everything). Its server acknowledges a
// message once written to the OS, before fsync (unless the server runs
// with sync: always): see docs/fault-tolerance.md for what a crash loses
// and how readers detect it.
func EnsureStream(ctx context.Context, js jetstream.JetStream, appID string) error {
	cfg := jetstream.StreamConfig{
		Name:       proto.ShuffleStream(appID),
		Subjects:   []string{proto.ShuffleSubjects(appID)},
		Storage:    jetstream.FileStorage,
		Replicas:   proto.Replicas(),
		Retention:  jetstream.LimitsPolicy,
		Duplicates: DuplicateWindow,
	}
	_, err := js.CreateOrUpdateStream(ctx, cfg)
	if cfg.Replicas > 1 && noPeers(err) {
		// A cluster with a node down cannot place a new replicated
		// stream: the job runs on one copy rather than not at all (its
		// readers detect what a lost copy loses, see Read).
		cfg.Replicas = 1
		_, err = js.CreateOrUpdateStream(ctx, cfg)
	}
	if err != nil {
		return fmt.Errorf("shuffle: create stream for %s: %w", appID, err)
	}
	return nil
}

// noPeers reports a stream creation refused for want of servers to place
// its replicas on (JetStream's 10005 and 10023).
func noPeers(err error) bool {
	var api *jetstream.APIError
	return errors.As(err, &api) && (api.ErrorCode == 10005 || api.ErrorCode == 10023)
}
