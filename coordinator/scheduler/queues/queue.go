package queues

import (
	"fmt"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

var validName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// queue parses one queue mapping and its children.
func (p *parser) queue(n *yaml.Node) (*Queue, error) {
	n, err := p.deref(n)
	if err != nil {
		return nil, err
	}
	if n.Kind != yaml.MappingNode {
		return nil, errorf(n.Line, "a queue must be a mapping with at least name and capacity")
	}
	p.onPath[n] = true
	defer delete(p.onPath, n)
	q := &Queue{Line: n.Line, MaxCapacity: DefaultMaxCapacity, Ordering: FIFO,
		UserLimit: DefaultUserLimit, MaxAMShare: DefaultMaxAMShare, Capacity: -1}
	var children *yaml.Node
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "queues" {
			children = v
			continue
		}
		if err := p.field(q, k, v); err != nil {
			return nil, err
		}
	}
	if err := p.checkQueue(q); err != nil {
		return nil, err
	}
	if children != nil {
		if q.Children, err = p.queueList(children, q.Name); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// field sets one key of q.
func (p *parser) field(q *Queue, k, v *yaml.Node) error {
	v, err := p.deref(v)
	if err != nil {
		return err
	}
	switch k.Value {
	case "name":
		q.Name = v.Value
		return nil
	case "ordering":
		if v.Value != string(FIFO) && v.Value != string(Fair) {
			return errorf(v.Line, "ordering %q: want fifo or fair", v.Value)
		}
		q.Ordering = Ordering(v.Value)
		return nil
	}
	dst := map[string]*float64{"capacity": &q.Capacity, "max-capacity": &q.MaxCapacity,
		"user-limit": &q.UserLimit, "max-am-share": &q.MaxAMShare}[k.Value]
	if dst == nil {
		return errorf(k.Line, "unknown key %q (want name, capacity, max-capacity, ordering, user-limit, max-am-share or queues)", k.Value)
	}
	f, err := strconv.ParseFloat(v.Value, 64)
	if err != nil || v.Kind != yaml.ScalarNode || f < 0 || f > 100 {
		return errorf(v.Line, "%s %q: want a percentage from 0 to 100", k.Value, v.Value)
	}
	*dst = f
	return nil
}

// checkQueue checks a queue's own keys once they are all read.
func (p *parser) checkQueue(q *Queue) error {
	switch {
	case q.Name == "":
		return errorf(q.Line, "queue without a name")
	case !validName.MatchString(q.Name):
		return errorf(q.Line, "queue name %q: use letters, digits, - and _", q.Name)
	case q.Name == RootName:
		return errorf(q.Line, "queue name %q is reserved", q.Name)
	case q.Capacity < 0:
		return errorf(q.Line, "queue %s has no capacity", q.Name)
	case q.MaxCapacity < q.Capacity:
		return errorf(q.Line, "queue %s: max-capacity %s is below its capacity %s",
			q.Name, trimFloat(q.MaxCapacity), trimFloat(q.Capacity))
	case q.UserLimit == 0 || q.MaxAMShare == 0:
		return errorf(q.Line, "queue %s: user-limit and max-am-share must be above 0", q.Name)
	}
	if line, dup := p.names[q.Name]; dup {
		return errorf(q.Line, "queue name %q is already used on line %d (names are unique in the tree)", q.Name, line)
	}
	p.names[q.Name] = q.Line
	return nil
}

func trimFloat(f float64) string { return fmt.Sprintf("%g", f) }
