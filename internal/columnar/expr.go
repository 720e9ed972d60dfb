package columnar

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Expr is a column expression: a column, a literal, or an operation on
// expressions. Build it with Col, Lit, Dec, Date and the methods; Bind
// checks it against a schema and plans its evaluation. The zero Expr is
// invalid.
type Expr struct{ n *node }

type node struct {
	op   string
	name string // column name of "col"
	lit  any    // value of "lit": int64, float64, string, bool, decimal, date32 or nil
	typ  arrow.DataType
	args []*node
	n    int64 // days of "adddays"
}

// Col refers to the column name of the input.
func Col(name string) Expr { return Expr{&node{op: "col", name: name}} }

// Lit is a literal: an int, int64, float64, string or bool, or nil for a
// null (of type null). Use Dec for an exact decimal and Date for a date.
func Lit(v any) Expr {
	switch x := v.(type) {
	case int:
		return Expr{&node{op: "lit", lit: int64(x), typ: arrow.PrimitiveTypes.Int64}}
	case int64:
		return Expr{&node{op: "lit", lit: x, typ: arrow.PrimitiveTypes.Int64}}
	case int32:
		return Expr{&node{op: "lit", lit: int64(x), typ: arrow.PrimitiveTypes.Int64}}
	case float64:
		return Expr{&node{op: "lit", lit: x, typ: arrow.PrimitiveTypes.Float64}}
	case string:
		return Expr{&node{op: "lit", lit: x, typ: arrow.BinaryTypes.String}}
	case bool:
		return Expr{&node{op: "lit", lit: x, typ: arrow.FixedWidthTypes.Boolean}}
	case nil:
		return Expr{&node{op: "lit", typ: arrow.Null}}
	}
	return Expr{&node{op: "bad", name: fmt.Sprintf("literal of unsupported type %T", v)}}
}

// Dec is an exact decimal literal such as "0.05" or "-12": its scale is
// its number of fractional digits.
func Dec(s string) Expr {
	v, p, sc, err := parseDecimal(s)
	if err != nil {
		return Expr{&node{op: "bad", name: err.Error()}}
	}
	return Expr{&node{op: "lit", lit: v, typ: decimalType(p, sc), name: s}}
}

// Date is a date literal in the form YYYY-MM-DD.
func Date(s string) Expr {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Expr{&node{op: "bad", name: fmt.Sprintf("bad date literal %q", s)}}
	}
	return Expr{&node{op: "lit", lit: arrow.Date32FromTime(t), typ: arrow.FixedWidthTypes.Date32, name: s}}
}

func parseDecimal(s string) (decimal128.Num, int32, int32, error) {
	digits, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		digits, frac = s[:i], s[i+1:]
	}
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(strings.TrimPrefix(digits, "-"), "+")
	all := digits + frac
	b, ok := new(big.Int).SetString(all, 10)
	if !ok || all == "" || strings.ContainsAny(all, "+-") || len(all) > 38 {
		return decimal128.Num{}, 0, 0, fmt.Errorf("bad decimal literal %q", s)
	}
	if neg {
		b.Neg(b)
	}
	return decimal128.FromBigInt(b), int32(max(len(all), 1)), int32(len(frac)), nil
}

func (e Expr) bin(op string, o Expr) Expr { return Expr{&node{op: op, args: []*node{e.n, o.n}}} }

// Add is e + o.
func (e Expr) Add(o Expr) Expr { return e.bin("+", o) }

// Sub is e - o.
func (e Expr) Sub(o Expr) Expr { return e.bin("-", o) }

// Mul is e * o. Decimals multiply exactly: the scale of the result is the
// sum of the scales.
func (e Expr) Mul(o Expr) Expr { return e.bin("*", o) }

// Div is e / o as a float64 (null where o is 0).
func (e Expr) Div(o Expr) Expr { return e.bin("/", o) }

// Eq is e = o. Comparisons of floats order NaN as Sort does: equal to
// itself and greater than every other value (Spark's rule).
func (e Expr) Eq(o Expr) Expr { return e.bin("=", o) }

// Ne is e <> o.
func (e Expr) Ne(o Expr) Expr { return e.bin("<>", o) }

// Lt is e < o.
func (e Expr) Lt(o Expr) Expr { return e.bin("<", o) }

// Le is e <= o.
func (e Expr) Le(o Expr) Expr { return e.bin("<=", o) }

// Gt is e > o.
func (e Expr) Gt(o Expr) Expr { return e.bin(">", o) }

// Ge is e >= o.
func (e Expr) Ge(o Expr) Expr { return e.bin(">=", o) }

// And is the logical and of two booleans, with SQL's rules for nulls
// (false and null is false).
func (e Expr) And(o Expr) Expr { return e.bin("and", o) }

// Or is the logical or of two booleans (true or null is true).
func (e Expr) Or(o Expr) Expr { return e.bin("or", o) }

// Not is the logical negation of a boolean.
func (e Expr) Not() Expr { return Expr{&node{op: "not", args: []*node{e.n}}} }

// IsNull is true where e is null.
func (e Expr) IsNull() Expr { return Expr{&node{op: "isnull", args: []*node{e.n}}} }

// Year is the year of a date.
func (e Expr) Year() Expr { return Expr{&node{op: "year", args: []*node{e.n}}} }

// AddDays is the date e plus n days (n may be negative).
func (e Expr) AddDays(n int) Expr {
	return Expr{&node{op: "adddays", args: []*node{e.n}, n: int64(n)}}
}

// Float converts a number to float64.
func (e Expr) Float() Expr { return Expr{&node{op: "float", args: []*node{e.n}}} }

// StartsWith is true where the string e starts with prefix.
func (e Expr) StartsWith(prefix string) Expr {
	return Expr{&node{op: "startswith", name: prefix, args: []*node{e.n}}}
}

// Contains is true where the string e contains sub.
func (e Expr) Contains(sub string) Expr {
	return Expr{&node{op: "contains", name: sub, args: []*node{e.n}}}
}

// String renders e like SQL, for plans and messages.
func (e Expr) String() string {
	if e.n == nil {
		return "<nil>"
	}
	return e.n.String()
}

func (n *node) String() string {
	switch n.op {
	case "col":
		return n.name
	case "lit":
		switch {
		case n.lit == nil:
			return "null"
		case n.name != "":
			if n.typ.ID() == arrow.DATE32 {
				return "date '" + n.name + "'"
			}
			return n.name
		}
		if s, ok := n.lit.(string); ok {
			return "'" + strings.ReplaceAll(s, "'", "''") + "'"
		}
		return fmt.Sprint(n.lit)
	case "bad":
		return "<" + n.name + ">"
	case "not", "isnull", "year", "float":
		return n.op + "(" + n.args[0].String() + ")"
	case "adddays":
		return fmt.Sprintf("(%s + %d days)", n.args[0], n.n)
	case "startswith", "contains":
		return fmt.Sprintf("%s(%s, %q)", n.op, n.args[0], n.name)
	}
	return "(" + n.args[0].String() + " " + n.op + " " + n.args[1].String() + ")"
}

// Columns returns the names of the columns e reads, each once.
func (e Expr) Columns() []string {
	var out []string
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil {
			return
		}
		if n.op == "col" && !slices.Contains(out, n.name) {
			out = append(out, n.name)
		}
		for _, a := range n.args {
			walk(a)
		}
	}
	walk(e.n)
	return out
}

// Bound is an expression planned against a schema.
type Bound struct {
	typ  arrow.DataType
	eval func(rec arrow.RecordBatch) operand
}

// Type is the type of the expression's values.
func (b *Bound) Type() arrow.DataType { return b.typ }

// Eval evaluates the expression over every row of rec. The caller
// releases the array.
func (b *Bound) Eval(rec arrow.RecordBatch) arrow.Array {
	return b.eval(rec).array(int(rec.NumRows()))
}

// Bind checks e against schema s (types, column names) and plans it.
func (e Expr) Bind(s *arrow.Schema) (*Bound, error) {
	if e.n == nil {
		return nil, fmt.Errorf("empty expression")
	}
	b, err := bind(e.n, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e, err)
	}
	return b, nil
}

func bind(n *node, s *arrow.Schema) (*Bound, error) {
	switch n.op {
	case "bad":
		return nil, fmt.Errorf("%s", n.name)
	case "col":
		idx := s.FieldIndices(n.name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no column %q (columns: %s)", n.name, strings.Join(fieldNames(s), ", "))
		}
		i, typ := idx[0], s.Field(idx[0]).Type
		if kindOf(typ) == kNone {
			return nil, fmt.Errorf("column %q has type %s, which expressions do not support", n.name, typeName(typ))
		}
		if kindOf(typ) == kNull {
			// A column of type null (a placeholder, a projected null) is
			// the null scalar: arrow's Null arrays have no validity
			// bitmap, so their IsNull is false and kernels would read
			// values they do not have.
			o := operand{typ: typ, scalar: true}
			return &Bound{typ, func(arrow.RecordBatch) operand { return o }}, nil
		}
		return &Bound{typ, func(rec arrow.RecordBatch) operand { return operand{typ: typ, arr: rec.Column(i)} }}, nil
	case "lit":
		o := operand{typ: n.typ, s: n.lit, scalar: true}
		return &Bound{n.typ, func(arrow.RecordBatch) operand { return o }}, nil
	}
	args := make([]*Bound, len(n.args))
	for i, a := range n.args {
		b, err := bind(a, s)
		if err != nil {
			return nil, err
		}
		args[i] = b
	}
	return bindOp(n, args)
}

func fieldNames(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		out = append(out, f.Name)
	}
	return out
}

// kind is how expressions treat a type.
type kind int

const (
	kNone kind = iota
	kNull
	kInt
	kFloat
	kDec
	kDate
	kString
	kBool
)

func kindOf(dt arrow.DataType) kind {
	switch dt.ID() {
	case arrow.NULL:
		return kNull
	case arrow.INT64, arrow.INT32, arrow.INT16, arrow.INT8:
		return kInt
	case arrow.FLOAT64, arrow.FLOAT32:
		return kFloat
	case arrow.DECIMAL128:
		return kDec
	case arrow.DATE32:
		return kDate
	case arrow.STRING:
		return kString
	case arrow.BOOL:
		return kBool
	}
	return kNone
}

func isNumber(k kind) bool { return k == kInt || k == kFloat || k == kDec }

func bindOp(n *node, args []*Bound) (*Bound, error) {
	a := args[0]
	ka := kindOf(a.typ)
	switch n.op {
	case "not":
		if ka != kBool && ka != kNull {
			return nil, fmt.Errorf("not of %s", typeName(a.typ))
		}
		return unary(arrow.FixedWidthTypes.Boolean, a, notKernel), nil
	case "isnull":
		return unary(arrow.FixedWidthTypes.Boolean, a, isNullKernel), nil
	case "year":
		if ka != kDate {
			return nil, fmt.Errorf("year of %s, want a date", typeName(a.typ))
		}
		return unary(arrow.PrimitiveTypes.Int64, a, yearKernel), nil
	case "adddays":
		if ka != kDate {
			return nil, fmt.Errorf("adding days to %s, want a date", typeName(a.typ))
		}
		days := int32(n.n)
		return unary(arrow.FixedWidthTypes.Date32, a, func(o operand, rows int) operand { return addDays(o, rows, days) }), nil
	case "float":
		if !isNumber(ka) {
			return nil, fmt.Errorf("float of %s", typeName(a.typ))
		}
		return unary(arrow.PrimitiveTypes.Float64, a, func(o operand, rows int) operand { return toFloat(o, rows) }), nil
	case "startswith", "contains":
		if ka != kString {
			return nil, fmt.Errorf("%s of %s, want a string", n.op, typeName(a.typ))
		}
		f := strings.HasPrefix
		if n.op == "contains" {
			f = strings.Contains
		}
		arg := n.name
		return unary(arrow.FixedWidthTypes.Boolean, a, func(o operand, rows int) operand {
			return stringPredicate(o, rows, func(s string) bool { return f(s, arg) })
		}), nil
	}
	b := args[1]
	kb := kindOf(b.typ)
	switch n.op {
	case "and", "or":
		if (ka != kBool && ka != kNull) || (kb != kBool && kb != kNull) {
			return nil, fmt.Errorf("%s of %s and %s, want booleans", n.op, typeName(a.typ), typeName(b.typ))
		}
		return binaryOp(arrow.FixedWidthTypes.Boolean, a, b, func(x, y operand, rows int) operand { return logic(n.op, x, y, rows) }), nil
	case "=", "<>", "<", "<=", ">", ">=":
		cmpType, err := comparable(a.typ, b.typ)
		if err != nil {
			return nil, err
		}
		op := n.op
		return binaryOp(arrow.FixedWidthTypes.Boolean, a, b, func(x, y operand, rows int) operand { return compare(op, cmpType, x, y, rows) }), nil
	case "+", "-", "*", "/":
		typ, err := arithType(n.op, a.typ, b.typ)
		if err != nil {
			return nil, err
		}
		op := n.op
		return binaryOp(typ, a, b, func(x, y operand, rows int) operand { return arith(op, typ, x, y, rows) }), nil
	}
	return nil, fmt.Errorf("unknown operator %q", n.op)
}

func unary(typ arrow.DataType, a *Bound, k func(operand, int) operand) *Bound {
	return &Bound{typ, func(rec arrow.RecordBatch) operand { return k(a.eval(rec), int(rec.NumRows())) }}
}

func binaryOp(typ arrow.DataType, a, b *Bound, k func(x, y operand, rows int) operand) *Bound {
	return &Bound{typ, func(rec arrow.RecordBatch) operand {
		return k(a.eval(rec), b.eval(rec), int(rec.NumRows()))
	}}
}

// comparable returns the type two values are compared as.
func comparable(a, b arrow.DataType) (arrow.DataType, error) {
	ka, kb := kindOf(a), kindOf(b)
	switch {
	case ka == kNull:
		return b, nil
	case kb == kNull:
		return a, nil
	case isNumber(ka) && isNumber(kb):
		return arithType("+", a, b)
	case ka == kb:
		return a, nil
	}
	return nil, fmt.Errorf("cannot compare %s with %s", typeName(a), typeName(b))
}

// arithType is the result type of a op b: int64 for integers, float64 when
// either is a float (and for every division), else a decimal whose scale
// is the larger scale (+, -) or the sum of the scales (*), and whose
// precision is capped at 38.
func arithType(op string, a, b arrow.DataType) (arrow.DataType, error) {
	ka, kb := kindOf(a), kindOf(b)
	if ka == kNull {
		a, ka = b, kb
	}
	if kb == kNull {
		b, kb = a, ka
	}
	if !isNumber(ka) || !isNumber(kb) {
		return nil, fmt.Errorf("%s of %s and %s, want numbers", op, typeName(a), typeName(b))
	}
	switch {
	case op == "/" || ka == kFloat || kb == kFloat:
		return arrow.PrimitiveTypes.Float64, nil
	case ka == kInt && kb == kInt:
		return arrow.PrimitiveTypes.Int64, nil
	}
	pa, sa := decParams(a)
	pb, sb := decParams(b)
	if op == "*" {
		return decimalType(pa+pb+1, sa+sb), nil
	}
	s := max(sa, sb)
	return decimalType(max(pa-sa, pb-sb)+s+1, s), nil
}

// decParams is the precision and scale of a decimal or an integer type.
func decParams(dt arrow.DataType) (int32, int32) {
	if d, ok := dt.(*arrow.Decimal128Type); ok {
		return d.Precision, d.Scale
	}
	return 19, 0
}
