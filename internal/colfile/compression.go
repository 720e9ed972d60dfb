package colfile

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/compress"
)

// codecs maps the names ParseCompression accepts to codecs. "lz4" is the
// LZ4_RAW codec: arrow-go does not write the deprecated Hadoop-framed LZ4.
var codecs = map[string]compress.Compression{
	"snappy":  compress.Codecs.Snappy,
	"zstd":    compress.Codecs.Zstd,
	"gzip":    compress.Codecs.Gzip,
	"lz4":     compress.Codecs.Lz4Raw,
	"lz4_raw": compress.Codecs.Lz4Raw,
	"brotli":  compress.Codecs.Brotli,
	"none":    compress.Codecs.Uncompressed,
}

// codecNames lists the accepted names for error messages.
const codecNames = "snappy, zstd, gzip, lz4 (lz4_raw), brotli, none"

// ParseCompression returns the Parquet codec named by name, case
// insensitively; "" means snappy. An unknown name is ErrUnknownCompression,
// with the valid names in the message.
func ParseCompression(name string) (compress.Compression, error) {
	if name == "" {
		return compress.Codecs.Snappy, nil
	}
	c, ok := codecs[strings.ToLower(name)]
	if !ok {
		return 0, fmt.Errorf("%w %q: want one of %s", ErrUnknownCompression, name, codecNames)
	}
	return c, nil
}
