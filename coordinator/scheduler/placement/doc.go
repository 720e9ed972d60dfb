// Package placement chooses the node for a container: an Index of nodes
// that answers "which node fits these resources" in O(log n), and the
// placement policies built on it.
//
// The Index is a segment tree over node slots keeping, for every subtree,
// the largest free vcores, the largest free memory and the fewest running
// containers. A policy is a small value with one method, Pick:
//
//   - RoundRobin: the first fitting node after the last one it picked.
//   - LeastLoaded: the fitting node with the fewest running containers
//     (the least-connections rule), by branch and bound over the tree.
//   - Pack: the first fitting node in slot order, so a node fills before
//     the next one is used.
//
// A Stack chains them as Nomad's scheduler stacks do: locality first
// (preferred nodes, waited for a bounded number of rounds), then the
// cluster's or the job's policy over all nodes. Nothing here reads a clock
// or does I/O; an Index is not safe for concurrent use.
//
// It imports only the standard library and spindle/internal/proto.
package placement
