// Package sdk is how you write a Spindle job: an ordinary Go main package
// that defines its flags, builds a pipeline of typed datasets, and hands
// it to Main.
//
//	func main() {
//		input := flag.String("input", "", "text to count")
//		output := flag.String("output", "", "where to write")
//		sdk.Main(func(p *sdk.Pipeline) error {
//			lines := sdk.ReadText(p, "read", *input)
//			words := sdk.FlatMap(p, "split", lines, func(l string, emit func(string)) {
//				for _, w := range strings.Fields(l) {
//					emit(w)
//				}
//			})
//			counts := sdk.CountPerKey(p, "count", words)
//			out := sdk.Map(p, "format", counts, func(kv sdk.KV[string, int64]) string {
//				return fmt.Sprintf("%s\t%d", kv.Key, kv.Value)
//			})
//			sdk.WriteText(p, "write", out, *output)
//			return nil
//		})
//	}
//
// Run it on a throwaway local cluster with `spindle run ./myjob -- --input
// in.txt --output out`, or on a running cluster with `spindle submit`.
//
// # One binary, every role
//
// The same binary is the client, the job master and every task: each
// process runs main, parses the same flags and builds the same pipeline,
// so the functions you pass to Map or FlatMap need no registration or
// serialization. Build the pipeline deterministically from the flags:
// every process checks a fingerprint of the graph (step names, operators,
// element types, edges), and a mismatch fails the task with a clear error.
// Every step has a name, unique in the pipeline.
//
// # Datasets and operators
//
// A Dataset[T] is a distributed collection of T. Map, FlatMap and Filter
// work element by element and are fused into the stage of their input:
// they cost a function call per element. Keyed steps take a
// Dataset[KV[K, V]]: CombinePerKey (with SumPerKey and CountPerKey)
// combines values on the map side before the shuffle and again after it;
// GroupByKey gathers all values of a key. They repartition by a hash of
// the key, so each is a stage boundary. Data crosses it as Apache Arrow
// record batches, with a Go-to-Arrow mapping planned once per type; keys
// and values may be strings, []byte (values only), bools, integers and
// floats, or named types of these.
//
// # Inputs and outputs
//
// ReadText reads files, directories and globs, cut into splits at line
// boundaries. WriteText writes part-NNNNN files, committed by the job
// master only for the attempt of each task that succeeded first, and an
// empty _SUCCESS file when the whole job succeeded. Paths name storage
// every worker reaches; relative paths are relative to the directory the
// job was submitted from.
//
// # Streams
//
// A pipeline whose source is a stream (Generate; docs/streaming.md lists
// the others) is a streaming job: the same operators, plus event-time
// windows (WindowAggregate with Tumbling, Sliding or Sessions windows and
// an incremental Aggregator) and KeyedProcess, whose functions keep value,
// list and map state per key and set event-time and processing-time
// timers. Every step runs at once; state is checkpointed with aligned
// barriers and restored after any failure, and WriteText commits each
// checkpoint interval's output exactly once. Keys and values of a
// streaming shuffle may also be structs of the types above (lists of
// structs may not cross a shuffle, but may be kept in state).
//
// # Errors
//
// Return Usagef from the build function for bad flags: the CLI refuses the
// job before submitting it, with your message and exit code 2. A panic in
// an operator fails that task attempt; the job master retries it
// elsewhere (4 attempts by default, with exponential backoff), then fails
// the job with the task's last error.
package sdk
