// Package proto is the wire contract between Spindle's processes: the NATS
// subjects every role uses and the JSON messages that travel on them, plus
// the environment a worker sets for a container.
//
// It is a leaf: it imports only the standard library, and every other
// Spindle package may import it. Changing a message here changes the
// protocol between separately started binaries, so fields are only added.
package proto
