package shuffle

import (
	"fmt"
	"hash/crc32"
	"slices"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"

	"spindle/internal/proto"
)

// partition is the pure state of one partition's replay: which batches of
// the attempts it keeps have arrived, whole and intact, and which are
// still due. Messages may come in any order (a re-published message is
// stored after later ones) and more than once; a batch is kept once, by
// its attempt and sequence number.
type partition struct {
	attempts map[string]*source
	open     int // sources not complete yet
	chunks   map[batchKey]*chunkSet
}

// source is one attempt whose batches a partition keeps.
type source struct {
	prefix  bool             // batches 1 to end taken over from a checkpoint; its end marker does not count
	end     int              // batches due; -1 until a committed attempt's end marker
	seen    map[int]struct{} // batches kept
	corrupt map[int]struct{} // batches that failed their checksum and have no intact copy yet
	bad     string           // a malformed header, if any: corrupt too
	done    bool
}

type batchKey struct {
	attempt string
	seq     int
}

// chunkSet gathers the pieces of one batch larger than a message.
type chunkSet struct {
	parts [][]byte
	have  int
}

func newPartition(producers []string, prefixes []proto.PartPrefix) *partition {
	r := &partition{attempts: make(map[string]*source), chunks: make(map[batchKey]*chunkSet)}
	for _, a := range producers {
		r.add(a, &source{end: -1})
	}
	for _, pp := range prefixes {
		r.add(pp.Attempt, &source{prefix: true, end: pp.Count})
	}
	return r
}

func (r *partition) add(attempt string, s *source) {
	s.seen, s.corrupt = make(map[int]struct{}), make(map[int]struct{})
	r.attempts[attempt] = s
	r.open++
	r.update(s)
}

// complete reports whether every batch due has arrived intact.
func (r *partition) complete() bool { return r.open == 0 }

// accept takes one message and returns the batch to decode when it
// completes one that is due, nil otherwise (another attempt's, a
// duplicate, an end marker, a piece, a corrupt batch).
func (r *partition) accept(h nats.Header, data []byte) []byte {
	s := r.attempts[h.Get(hdrAttempt)]
	if s == nil {
		return nil // an attempt that was not committed
	}
	if end := h.Get(hdrEnd); end != "" {
		if !s.prefix {
			r.endMarker(s, end)
		}
		return nil
	}
	seq, err := strconv.Atoi(h.Get(hdrSeq))
	if err != nil || seq < 1 {
		s.bad = fmt.Sprintf("bad sequence header %q", h.Get(hdrSeq))
		return nil
	}
	if _, dup := s.seen[seq]; dup || s.prefix && seq > s.end {
		return nil // a duplicate, or published after the checkpoint that was taken over
	}
	if c := h.Get(hdrChunk); c != "" {
		if data = r.piece(s, batchKey{h.Get(hdrAttempt), seq}, c, data); data == nil {
			return nil
		}
	}
	sum, err := strconv.ParseUint(h.Get(hdrSum), 10, 32)
	if err != nil || uint32(sum) != crc32.Checksum(data, castagnoli) {
		s.corrupt[seq] = struct{}{}
		return nil
	}
	delete(s.corrupt, seq)
	s.seen[seq] = struct{}{}
	r.update(s)
	return data
}

func (r *partition) endMarker(s *source, end string) {
	n, err := strconv.Atoi(end)
	if err != nil || n < 0 {
		s.bad = fmt.Sprintf("bad end marker %q", end)
		return
	}
	if s.end < 0 {
		s.end = n
		r.update(s)
	}
}

// piece stores chunk c ("i/n") of a batch and returns the whole batch
// once every piece arrived.
func (r *partition) piece(s *source, k batchKey, c string, data []byte) []byte {
	var i, n int
	if _, err := fmt.Sscanf(c, "%d/%d", &i, &n); err != nil || i < 1 || i > n || n > 1<<20 {
		s.bad = fmt.Sprintf("bad chunk header %q", c)
		return nil
	}
	cs := r.chunks[k]
	if cs == nil {
		cs = &chunkSet{parts: make([][]byte, n)}
		r.chunks[k] = cs
	}
	if len(cs.parts) != n {
		s.bad = fmt.Sprintf("bad chunk header %q", c)
		return nil
	}
	if cs.parts[i-1] == nil {
		cs.have++
	}
	cs.parts[i-1] = data
	if cs.have < n {
		return nil
	}
	delete(r.chunks, k)
	return slices.Concat(cs.parts...)
}

// update marks s done once its end is known and batches 1 to end all
// arrived.
func (r *partition) update(s *source) {
	if s.done || s.end < 0 || len(s.seen) < s.end || s.bad != "" {
		return
	}
	for seq := 1; seq <= s.end; seq++ {
		if _, ok := s.seen[seq]; !ok {
			return
		}
	}
	s.done = true
	r.open--
}

// lost returns nil if the partition is complete, else the *MissingError
// that names every attempt lacking data.
func (r *partition) lost(subject string) error {
	if r.complete() {
		return nil
	}
	e := &MissingError{Subject: subject}
	var details []string
	for a, s := range r.attempts {
		if !s.done {
			e.Attempts = append(e.Attempts, a)
		}
	}
	slices.Sort(e.Attempts)
	for _, a := range e.Attempts {
		s := r.attempts[a]
		e.Corrupt = e.Corrupt || len(s.corrupt) > 0 || s.bad != ""
		details = append(details, a+": "+s.describe())
	}
	e.Detail = strings.Join(details, "; ")
	return e
}

// describe says what s lacks.
func (s *source) describe() string {
	var parts []string
	if s.bad != "" {
		parts = append(parts, s.bad)
	}
	if len(s.corrupt) > 0 {
		parts = append(parts, "corrupt batch "+seqList(s.corrupt))
	}
	if s.end < 0 {
		parts = append(parts, fmt.Sprintf("no end marker (%d batches arrived)", len(s.seen)))
	} else if missing := s.missing(); len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d batches missing: %s", len(missing), s.end, seqList(missing)))
	}
	return strings.Join(parts, ", ")
}

// missing is the set of batches due that did not arrive.
func (s *source) missing() map[int]struct{} {
	m := make(map[int]struct{})
	for seq := 1; seq <= s.end; seq++ {
		if _, ok := s.seen[seq]; !ok {
			m[seq] = struct{}{}
		}
	}
	return m
}

// seqList prints the first few sequence numbers of set, in order.
func seqList(set map[int]struct{}) string {
	seqs := make([]int, 0, len(set))
	for q := range set {
		seqs = append(seqs, q)
	}
	slices.Sort(seqs)
	var b strings.Builder
	for i, q := range seqs {
		if i == 8 {
			b.WriteString(" …")
			break
		}
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(strconv.Itoa(q))
	}
	return b.String()
}
