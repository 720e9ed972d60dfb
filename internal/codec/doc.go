// Package codec maps Go values to Arrow columns and back, planned once per
// type: For[T] inspects T with reflect a single time and returns typed
// closures, so encoding and decoding a row costs a builder append or an
// array read, with no reflection and no boxing.
//
// Supported element types are the scalar kinds (bool, the sized and plain
// ints and uints, float32, float64, string and []byte) and named types
// whose underlying type is one of them. Structs arrive with the ETL work.
//
// It imports arrow and the standard library only.
package codec
