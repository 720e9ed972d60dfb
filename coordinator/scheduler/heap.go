package scheduler

// appHeap orders a leaf's applications that have asks to serve: by
// submission (FIFO), or by what they use, then submission (fair).
type appHeap struct {
	fair bool
	apps []*app
}

func (h *appHeap) Len() int { return len(h.apps) }

func (h *appHeap) less(i, j int) bool {
	a, b := h.apps[i], h.apps[j]
	if h.fair {
		if a.used.VCores != b.used.VCores {
			return a.used.VCores < b.used.VCores
		}
		if a.used.MemoryBytes != b.used.MemoryBytes {
			return a.used.MemoryBytes < b.used.MemoryBytes
		}
	}
	return a.seq < b.seq
}

func (h *appHeap) swap(i, j int) {
	h.apps[i], h.apps[j] = h.apps[j], h.apps[i]
	h.apps[i].heapPos, h.apps[j].heapPos = i, j
}

func (h *appHeap) top() *app { return h.apps[0] }

func (h *appHeap) push(a *app) {
	a.heapPos = len(h.apps)
	h.apps = append(h.apps, a)
	h.up(a.heapPos)
}

// remove takes a out of the heap.
func (h *appHeap) remove(a *app) {
	i, last := a.heapPos, len(h.apps)-1
	if i < 0 {
		return
	}
	if i != last {
		h.swap(i, last)
	}
	h.apps[last] = nil
	h.apps = h.apps[:last]
	a.heapPos = -1
	if i != last {
		h.fix(i)
	}
}

// fix restores order after h.apps[i] changed.
func (h *appHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h *appHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *appHeap) down(i int) bool {
	start, n := i, len(h.apps)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && h.less(r, l) {
			c = r
		}
		if !h.less(c, i) {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > start
}
