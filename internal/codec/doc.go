// Package codec maps Go values to Arrow columns and back, planned once per
// type: For[T] inspects T with reflect a single time and returns typed
// closures, so encoding and decoding a row costs a builder append or an
// array read, with no reflection and no boxing.
//
// Supported element types are the scalar kinds (bool, the sized and plain
// ints and uints, float32, float64, string and []byte) and named types
// whose underlying type is one of them; time.Time, as a Timestamp of
// microseconds in UTC; pointers to supported types other than pointers,
// as their target's type with nil as null; and structs of supported
// types, as Arrow structs.
//
// A struct's columns are its exported fields, in declaration order, named
// by their Go name or their tag `spindle:"name"`. A field tagged
// `spindle:"-"` is skipped (reads as zero), and so is a blank (_) field;
// any other unexported field, or a field of a type with no mapping, is an
// error that names the field. An embedded struct is a field like any
// other, named by its type, not flattened. A struct is planned into
// closures over its fields' offsets; reading and writing a value uses
// unsafe pointers into it, never reflect. RowsFor plans a struct as the
// top-level columns of a record batch instead, one per field.
//
// KeyFor plans keys: scalars, and comparable structs of scalar fields
// and such structs. Key hashes are part of the shuffle contract: they are
// fixed functions of the value (FNV-1a for strings, the splitmix64
// finalizer for numbers, folded field by field for structs), the same in
// every process and release, never Go's seeded runtime hashes. Changing
// one re-partitions every keyed dataset; the tests pin them.
//
// It imports arrow and the standard library only.
package codec
