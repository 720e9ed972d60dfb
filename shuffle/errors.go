package shuffle

import (
	"errors"
	"strings"
)

// Errors a Reader returns, always inside a *MissingError that names the
// producer attempts concerned.
var (
	ErrChecksum = errors.New("shuffle: batch checksum mismatch")
	ErrMissing  = errors.New("shuffle: partition data missing")
)

// MissingError is what Read returns when a partition lacks data of some
// producer attempts: a batch missing (a gap in its sequence numbers, or
// fewer batches than its end marker announced), no end marker, or a
// batch that is corrupt. The data is lost, so reading again does not help;
// the cure is to run the producers of Attempts again, then the reader.
//
// errors.Is(err, ErrMissing) holds for every MissingError, and
// errors.Is(err, ErrChecksum) as well when a batch was corrupt. Use
// errors.As to get the attempts.
type MissingError struct {
	Subject  string   // the partition's subject
	Attempts []string // producer attempts (committed, or taken over as a prefix) that lost data, sorted
	Detail   string   // what is missing from each, for people
	Corrupt  bool     // some batch failed its checksum
}

func (e *MissingError) Error() string {
	var b strings.Builder
	b.WriteString(ErrMissing.Error())
	if e.Corrupt {
		b.WriteString(" (" + ErrChecksum.Error() + ")")
	}
	b.WriteString(": " + e.Subject + ": " + e.Detail)
	return b.String()
}

// Unwrap makes errors.Is find ErrMissing, and ErrChecksum for a corrupt
// batch.
func (e *MissingError) Unwrap() []error {
	if e.Corrupt {
		return []error{ErrMissing, ErrChecksum}
	}
	return []error{ErrMissing}
}
