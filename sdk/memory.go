package sdk

// memoryPlan divides a task's memory grant among what it holds, so that
// the container stays inside its grant (its worker kills containers far
// above it). Every figure is a budget for estimated bytes: tables count
// their keys' and values' sizes plus a per-entry overhead, buffers count
// their payloads.
//
//	grant ─┬─ runtime, code, goroutine stacks, garbage not yet collected (≥ 1/4)
//	       ├─ read-ahead of shuffle batches (reduce side)      readAhead
//	       ├─ unacknowledged shuffle batches (map side)        shuffle.Writer's bound
//	       ├─ partition buckets being filled (map side)        partitions × bucket
//	       └─ the combine table (map side) or the aggregation  combine / aggregate
//	          table (reduce side), which spills to disk past it
//
// A task is either a stage's map side or its reduce side at a time, so the
// combine and aggregate budgets do not add up. The Go runtime's soft
// limit is 90% of the grant (see memoryGrant): the garbage collector
// works harder as the heap nears it, so the tables stop well before.
// The aggregation gets a third: a spill sorts its table with arrays of a
// fifth of its size more, and garbage needs room to be collected in.
// Measured on 256 MiB of random words (28 M distinct) with 256 MiB
// grants, reduce tasks then peaked at about the grant.
type memoryPlan struct {
	grant     int64
	readAhead int64 // shuffle batches a reduce task's reader may buffer
	combine   int64 // a map-side combine table, before it flushes into the shuffle
	aggregate int64 // a reduce task's table, before it spills a sorted run
	bucket    int64 // one partition's batch being built, before it is published
}

// defaultMemory is the memory a task assumes when its container has no
// grant (in tests).
const defaultMemory = 512 << 20

// Bounds of the plan.
const (
	maxReadAhead = 8 << 20   // more does not read faster (see shuffle.MaxBuffered)
	minReadAhead = 1 << 20   // a pull must fit the largest message (the server's max payload)
	maxBucket    = 256 << 10 // a batch this size streams at full speed through JetStream
	minBucket    = 16 << 10  // smaller batches cost more per row than they save
	bucketShare  = 16        // all of a writer's buckets take at most grant/bucketShare
)

// planMemory divides grant (0: unknown, defaultMemory) for a task whose
// stage writes shuffles of partitions partitions (0 when it writes none).
func planMemory(grant int64, partitions int) memoryPlan {
	if grant <= 0 {
		grant = defaultMemory
	}
	p := memoryPlan{grant: grant}
	p.readAhead = min(max(grant/32, minReadAhead), maxReadAhead)
	p.bucket = maxBucket
	if partitions > 0 {
		p.bucket = min(max(grant/bucketShare/int64(partitions), minBucket), maxBucket)
	}
	p.combine = grant / 4
	p.aggregate = max(grant/3-p.readAhead, grant/8)
	return p
}
