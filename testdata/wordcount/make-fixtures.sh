#!/bin/sh
# Rebuilds the Gutenberg excerpts in this directory from the shared corpus
# (public-domain books; see README.md). The hand-written fixtures
# (unicode.txt, invalid-utf8.txt, no-final-newline.txt, empty.txt) are not
# generated. Usage: ./make-fixtures.sh [GUTENBERG_DIR]
set -eu
src=${1:-../../../shared/data/gutenberg}

# excerpt FILE FIRST_LINE MAX_BYTES: whole lines from FIRST_LINE on, at most
# MAX_BYTES bytes, kept byte-identical (CRLF line ends).
excerpt() {
	tail -n +"$2" "$1" | awk -v max="$3" '{ n += length($0) + 1; if (n > max) exit; print }'
}

excerpt "$src"/0016-Twain_Mark_The_Adventures_of_Tom_Sawyer_Part_3.txt 21 40000 >english-crlf.txt
excerpt "$src"/0012-London_Jack_White_Fang.txt 26 300000 | tr -d '\r' >large-lf.txt
excerpt "$src"/0050-Stevenson_Robert_Louis_Travels_with_a_Donkey_in_the_Cevennes.txt 26 200000 >sample/travels-with-a-donkey.txt
