package main

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// The TPC-H tables this job reads, as dbgen writes them.
var (
	money = &arrow.Decimal128Type{Precision: 15, Scale: 2}
	date  = arrow.FixedWidthTypes.Date32
	str   = arrow.BinaryTypes.String
	i64   = arrow.PrimitiveTypes.Int64
	i32   = arrow.PrimitiveTypes.Int32

	lineitem = schema(
		"l_orderkey", i64, "l_partkey", i64, "l_suppkey", i64, "l_linenumber", i32,
		"l_quantity", money, "l_extendedprice", money, "l_discount", money, "l_tax", money,
		"l_returnflag", str, "l_linestatus", str,
		"l_shipdate", date, "l_commitdate", date, "l_receiptdate", date,
		"l_shipinstruct", str, "l_shipmode", str, "l_comment", str)
	orders = schema(
		"o_orderkey", i64, "o_custkey", i64, "o_orderstatus", str, "o_totalprice", money,
		"o_orderdate", date, "o_orderpriority", str, "o_clerk", str, "o_shippriority", i32, "o_comment", str)
	customer = schema(
		"c_custkey", i64, "c_name", str, "c_address", str, "c_nationkey", i64,
		"c_phone", str, "c_acctbal", money, "c_mktsegment", str, "c_comment", str)
	nation = schema("n_nationkey", i64, "n_name", str, "n_regionkey", i64, "n_comment", str)
)

// schema builds a schema of non-nullable columns from name, type pairs.
func schema(pairs ...any) *arrow.Schema {
	var fields []arrow.Field
	for i := 0; i < len(pairs); i += 2 {
		fields = append(fields, arrow.Field{Name: pairs[i].(string), Type: pairs[i+1].(arrow.DataType)})
	}
	return arrow.NewSchema(fields, nil)
}
