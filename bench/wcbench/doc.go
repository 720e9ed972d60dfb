// Command wcbench times Spindle's word count against the plain Go
// baselines on the same input in the same run, checks that all outputs are
// identical, and reports the ratios and Spindle's peak memory.
//
// From the repository root, with the shared benchmark tree next to it:
//
//	go run ./bench/wcbench -size 256MiB -workers 2 [-runs 3] [-shared ../shared] [-keep]
//
// Steps:
//
//  1. Corpus: SHARED/bench/gen-text writes -size bytes of synthetic English
//     (model.tsv, seed 1). It is cached by size in a temporary directory
//     (-cache), so later runs of the same size reuse it.
//  2. Builds, before any timing: the baselines SHARED/bench/wc-ref and
//     wc-par (separate modules, built in their directories), this
//     repository's spindle CLI (./cmd/spindle) and word-count job
//     (./jobs/wordcount), all into a work directory.
//  3. Runs, -runs rounds of: wc-ref, wc-par (-w = -par-workers, default all
//     CPUs), and spindle run --workers N wordcount -- --input FILE --output
//     DIR. Each is timed by wall clock, and the resident memory of its whole
//     process tree is sampled every 50 ms; the peak of the sum is reported.
//     wcbench makes itself a child subreaper, so processes that detach from
//     their parent are still counted.
//  4. Verification after every run: wc-par's output must equal wc-ref's
//     byte for byte, and so must Spindle's part-* files concatenated and
//     sorted by line (bytewise, which is wc-ref's order). A mismatch prints
//     the first differing line and exits with status 1.
//  5. A table of median and best seconds, the median's ratio to wc-ref and
//     to wc-par (above 1 is slower) and peak RSS in MiB.
//
// -no-spindle runs the baselines alone. Linux only (it reads /proc).
package main
