// Command streamwc is a streaming word count: the words of timestamped
// lines counted in tumbling windows of event time.
//
// It reads either a replayed file of "<time>\t<text>" lines (--replay,
// the time RFC 3339 or Unix ms, see sdk.ParseTimestamped) or the
// messages of a JetStream stream whose data has the same format
// (--stream, optionally --subject to filter, --stop-at-end to end after
// the messages the stream held at the start). It writes
// "<window start ms>\t<word>\t<count>" lines to --output (exactly once,
// part files and _SUCCESS) and, with --out-subject, publishes the same
// lines as messages there, exactly once: the subject must be bound to a
// stream with a Duplicates window longer than a restart (sdk.WriteJetStream).
//
// A word is a maximal run of letters and digits, lowercased.
package main

import (
	"flag"
	"fmt"
	"strings"
	"time"
	"unicode"

	"spindle/sdk"
)

var (
	replay     = flag.String("replay", "", "file of <time>\\t<text> lines to replay")
	stream     = flag.String("stream", "", "JetStream stream to read (instead of --replay)")
	subject    = flag.String("subject", "", "with --stream: read only the messages of this subject")
	stopAtEnd  = flag.Bool("stop-at-end", false, "with --stream: end after the last message the stream held at the start")
	window     = flag.Duration("window", 10*time.Second, "tumbling window size, in event time")
	outOfOrder = flag.Duration("out-of-order", time.Second, "how far event times may go backwards")
	output     = flag.String("output", "", "output directory")
	outSubject = flag.String("out-subject", "", "also publish the counts on this subject (bound to a stream)")
	par        = flag.Int("parallelism", 2, "subtasks per step")
	rate       = flag.Float64("rate", 0, "lines or messages per second over all subtasks (0: as fast as possible)")
	every      = flag.Duration("checkpoint-every", time.Second, "checkpoint interval")
	skipBad    = flag.Bool("skip-bad", false, "count and skip lines that do not parse instead of failing")
)

func main() {
	sdk.Main(func(p *sdk.Pipeline) error {
		if (*replay == "") == (*stream == "") {
			return sdk.Usagef("give one of --replay FILE and --stream NAME")
		}
		if *output == "" && *outSubject == "" {
			return sdk.Usagef("give --output DIR, --out-subject SUBJECT or both")
		}
		p.Stream(sdk.StreamConfig{Parallelism: *par, CheckpointEvery: *every})
		lines := source(p)
		words := sdk.FlatMap(p, "words", lines, func(line string, emit func(sdk.KV[string, int64])) {
			for _, w := range strings.FieldsFunc(line, notWord) {
				emit(sdk.KV[string, int64]{Key: strings.ToLower(w), Value: 1})
			}
		})
		counts := sdk.WindowAggregate(p, "count", words, sdk.Tumbling(*window), sdk.Counting[int64]())
		out := sdk.Map(p, "format", counts, func(w sdk.Windowed[string, int64]) string {
			return fmt.Sprintf("%d\t%s\t%d", w.Start, w.Key, w.Value)
		})
		if *output != "" {
			sdk.WriteText(p, "write", out, *output)
		}
		if *outSubject != "" {
			sdk.WriteJetStream(p, "publish", out, *outSubject)
		}
		return nil
	})
}

// source is the stream of lines' texts, timed by their timestamps.
func source(p *sdk.Pipeline) sdk.Dataset[string] {
	if *replay != "" {
		return sdk.ReplayFile(p, "replay", *replay, sdk.Replay[string]{Rate: *rate, OutOfOrder: *outOfOrder, SkipBad: *skipBad})
	}
	var subjects []string
	if *subject != "" {
		subjects = []string{*subject}
	}
	return sdk.ReadJetStream(p, "read", *stream, sdk.JetStreamSource[string]{
		Subjects: subjects, StopAtEnd: *stopAtEnd, OutOfOrder: *outOfOrder, Rate: *rate, SkipBad: *skipBad,
		Decode: func(data []byte) (string, int64, error) { return sdk.ParseTimestamped(string(data)) },
	})
}

func notWord(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
