// Package textio reads line-oriented text inputs the way Hadoop's
// TextInputFormat does: it resolves an input spec to files (Expand), cuts
// the files into byte-range splits (SplitTarget, Splits), and hands every
// line of one split to a callback (ReadLines).
//
// The split rule makes splits independent: a line belongs to the split in
// which its first byte lies. A reader of a split that does not start at
// offset 0 skips the partial line it lands in, and the reader of the split
// before it reads its last line to the end, past the split's end if need
// be. So every line of a file is read exactly once whatever the split
// sizes, which the property tests check for every split size.
//
// Lines end at '\n' only; one '\r' before the '\n' is removed, so CRLF
// files read like LF files. A final line without '\n' is a line.
//
// textio is a leaf: it imports the standard library and internal/proto
// (for proto.Split) only. Its functions are safe for concurrent use; they
// share no state.
package textio
