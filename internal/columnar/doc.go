// Package columnar is the vectorized engine under the SDK's Table API: it
// works on Arrow record batches directly. It has column expressions bound
// to a schema (arithmetic with exact decimals, comparisons, boolean logic,
// dates), row keys for hashing and partitioning, hash aggregation in two
// phases (partial states before a shuffle, final results after it), hash
// joins, and sorting.
//
// Every operator reads batches and returns new ones; a batch handed to a
// function is only borrowed for the call.
package columnar
