package shuffle

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// Errors a Reader returns.
var (
	ErrChecksum = errors.New("shuffle: batch checksum mismatch")
	ErrMissing  = errors.New("shuffle: partition data missing")
)

// Message headers.
const (
	hdrAttempt = "Spindle-Attempt" // producer attempt ID
	hdrSum     = "Spindle-Crc32c"  // CRC-32C of the payload, decimal
	hdrEnd     = "Spindle-End"     // end marker: number of batches the attempt sent
	hdrSeq     = "Spindle-Seq"     // batch number within the attempt and partition, from 1
	hdrChunk   = "Spindle-Chunk"   // "i/n": the i-th of n pieces of a batch larger than a message
)

// Subject is the subject of one partition of one shuffle.
func Subject(appID string, shuffle, partition int) string {
	return "spindle.shuffle." + appID + "." + strconv.Itoa(shuffle) + "." + strconv.Itoa(partition)
}

// EnsureStream creates the application's shuffle stream if it does not
// exist yet. The job master calls it before any task runs.
func EnsureStream(ctx context.Context, js jetstream.JetStream, appID string) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:      proto.ShuffleStream(appID),
		Subjects:  []string{proto.ShuffleSubjects(appID)},
		Storage:   jetstream.FileStorage,
		Replicas:  1,
		Retention: jetstream.LimitsPolicy,
	})
	if err != nil {
		return fmt.Errorf("shuffle: create stream for %s: %w", appID, err)
	}
	return nil
}
