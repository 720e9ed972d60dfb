// Package queues reads the hierarchical capacity-queue configuration of
// the scheduler (YARN Capacity Scheduler style) from YAML and checks it.
//
// A file is a list of queues under the key "queues"; a queue may nest more
// under its own "queues". Capacities are percentages of the parent:
//
//	queues:
//	  - name: prod
//	    capacity: 70        # guaranteed share of the parent
//	    max-capacity: 100   # elastic ceiling (default 100)
//	    ordering: fair      # or fifo (default)
//	  - name: dev
//	    capacity: 30
//	    max-capacity: 50
//	    user-limit: 50      # one user's ceiling, % of the queue's maximum
//	    max-am-share: 20    # job masters' ceiling, % of the queue's maximum
//
// Parse refuses a bad file with an *Error naming the line and the reason:
// sibling capacities not summing to 100, unknown keys, values out of
// range, duplicate queue names, alias cycles. Applications are submitted
// to leaf queues by name, so names are unique in the whole tree.
//
// It is pure (bytes in, values out) and imports only the standard library
// and the YAML decoder.
package queues
