// Package size parses and formats byte sizes as people write them on a
// command line: "512MiB", "2GiB", "1G", "1.5GiB", "100KB" or plain bytes.
//
// Binary units (KiB, MiB, GiB, TiB, also written Ki, Mi, …) are powers of
// 1024; decimal units (K, KB, M, MB, G, GB, T, TB) are powers of 1000.
// Units are case-insensitive and may be separated from the number by
// spaces. It is a leaf package: it imports only the standard library.
package size
