-- The .tbl tables the benchmark queries read, as views over the text, with
-- their TPC-H column types declared so that DuckDB neither sniffs nor
-- converts. {{DIR}} stands for the directory holding the files, as the inside
-- of an SQL string literal. Every line ends with '|', which read_csv sees as
-- one more, empty column: it is declared as tbl_end and left out.
CREATE VIEW lineitem AS SELECT * EXCLUDE (tbl_end) FROM read_csv('{{DIR}}/lineitem.tbl',
    delim = '|', header = false, columns = {
    'l_orderkey': 'BIGINT', 'l_partkey': 'BIGINT', 'l_suppkey': 'BIGINT', 'l_linenumber': 'INTEGER',
    'l_quantity': 'DECIMAL(15,2)', 'l_extendedprice': 'DECIMAL(15,2)',
    'l_discount': 'DECIMAL(15,2)', 'l_tax': 'DECIMAL(15,2)',
    'l_returnflag': 'VARCHAR', 'l_linestatus': 'VARCHAR',
    'l_shipdate': 'DATE', 'l_commitdate': 'DATE', 'l_receiptdate': 'DATE',
    'l_shipinstruct': 'VARCHAR', 'l_shipmode': 'VARCHAR', 'l_comment': 'VARCHAR', 'tbl_end': 'VARCHAR'});
CREATE VIEW orders AS SELECT * EXCLUDE (tbl_end) FROM read_csv('{{DIR}}/orders.tbl',
    delim = '|', header = false, columns = {
    'o_orderkey': 'BIGINT', 'o_custkey': 'BIGINT', 'o_orderstatus': 'VARCHAR',
    'o_totalprice': 'DECIMAL(15,2)', 'o_orderdate': 'DATE', 'o_orderpriority': 'VARCHAR',
    'o_clerk': 'VARCHAR', 'o_shippriority': 'INTEGER', 'o_comment': 'VARCHAR', 'tbl_end': 'VARCHAR'});
CREATE VIEW customer AS SELECT * EXCLUDE (tbl_end) FROM read_csv('{{DIR}}/customer.tbl',
    delim = '|', header = false, columns = {
    'c_custkey': 'BIGINT', 'c_name': 'VARCHAR', 'c_address': 'VARCHAR', 'c_nationkey': 'INTEGER',
    'c_phone': 'VARCHAR', 'c_acctbal': 'DECIMAL(15,2)', 'c_mktsegment': 'VARCHAR',
    'c_comment': 'VARCHAR', 'tbl_end': 'VARCHAR'});
CREATE VIEW nation AS SELECT * EXCLUDE (tbl_end) FROM read_csv('{{DIR}}/nation.tbl',
    delim = '|', header = false, columns = {
    'n_nationkey': 'INTEGER', 'n_name': 'VARCHAR', 'n_regionkey': 'INTEGER',
    'n_comment': 'VARCHAR', 'tbl_end': 'VARCHAR'});
