package nexmark

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strconv"
	"sync"
)

// The fixed vocabularies of Beam's PersonGenerator, kept small so that
// queries find matches even on small event sets.
var (
	usStates   = [...]string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities   = [...]string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	firstNames = [...]string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames  = [...]string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
)

// fullNames holds every "first last" name, so that a name costs no
// allocation; choosing one uniformly is choosing first and last uniformly.
var fullNames = func() (names [len(firstNames) * len(lastNames)]string) {
	for i, f := range firstNames {
		for j, l := range lastNames {
			names[i*len(lastNames)+j] = f + " " + l
		}
	}
	return names
}()

// The bid channels of the nexmark-flink generator: most bids come through
// one of four hot channels, the others through one of numChannels.
var (
	hotChannels = [...]string{"Google", "Facebook", "Baidu", "Apple"}
	hotURLs     = [...]string{
		"https://www.nexmark.com/googl/item.htm?query=1",
		"https://www.nexmark.com/meta/item.htm?query=1",
		"https://www.nexmark.com/bidu/item.htm?query=1",
		"https://www.nexmark.com/aapl/item.htm?query=1",
	}
)

const (
	numChannels      = 10_000
	hotChannelsRatio = 100              // a bid is through a hot channel with P = 1 - 1/100
	channelSeed      = 0x6e65786d61726b // seeds the channel table, independent of Config.Seed
)

type channel struct{ name, url string }

// channels is the table of the numChannels non-hot channels, built on
// first use. Channel i is "channel-i" with a URL of a random 3 or 4
// character path, carrying channel_id = the bit-reversed i 9 times in 10,
// as nexmark-flink derives it from a generator seeded with i.
var channels = sync.OnceValue(func() *[numChannels]channel {
	var t [numChannels]channel
	for i := range t {
		r := newRNG(channelSeed, int64(i))
		url := "https://www.nexmark.com/" + string(r.appendWords(nil, 5)) + "/item.htm?query=1"
		if r.intn(10) != 9 {
			url += "&channel_id=" + strconv.FormatUint(uint64(bits.Reverse32(uint32(i))), 10)
		}
		t[i] = channel{name: "channel-" + strconv.Itoa(i), url: url}
	}
	return &t
})

// minWordsLen is Beam's MIN_STRING_LENGTH.
const minWordsLen = 3

// grow returns dst extended by n bytes, and those n bytes.
func grow(dst []byte, n int) ([]byte, []byte) {
	dst = slices.Grow(dst, n)
	dst = dst[:len(dst)+n]
	return dst, dst[len(dst)-n:]
}

// appendWords appends Beam's nextString(maxLen): 3 to maxLen-1 characters,
// each a space with P = 20/256 (Beam: 1/13) or else a lower-case letter,
// then trims the spaces at both ends.
func (r *rng) appendWords(dst []byte, maxLen int) []byte {
	start := len(dst)
	dst, s := grow(dst, minWordsLen+int(r.intn(int64(maxLen-minWordsLen))))
	src := splitmix64(r.uint64())
	var x uint64
	for i := range s {
		if i%8 == 0 {
			x = src.next()
		}
		b := byte(x)
		x >>= 8
		if b < 20 {
			s[i] = ' '
		} else {
			s[i] = 'a' + byte(uint(b-20)*26/236)
		}
	}
	i, j := 0, len(s)
	for i < j && s[i] == ' ' {
		i++
	}
	for j > i && s[j-1] == ' ' {
		j--
	}
	return dst[:start+copy(s, s[i:j])]
}

// appendLetters appends n random lower-case letters (Beam's
// nextExactString), eight at a time: each byte b of a random word becomes
// 'a' + b*26/256, computed in 16-bit lanes.
func (r *rng) appendLetters(dst []byte, n int) []byte {
	dst, s := grow(dst, n)
	src := splitmix64(r.uint64())
	for len(s) >= 8 {
		binary.LittleEndian.PutUint64(s, letters8(src.next()))
		s = s[8:]
	}
	if len(s) > 0 {
		var tail [8]byte
		binary.LittleEndian.PutUint64(tail[:], letters8(src.next()))
		copy(s, tail[:])
	}
	return dst
}

// letters8 maps each byte b of x to 'a' + b*26>>8.
func letters8(x uint64) uint64 {
	const lanes = 0x00ff00ff00ff00ff
	even := (x & lanes) * 26 >> 8 & lanes
	odd := (x >> 8 & lanes) * 26 >> 8 & lanes
	return even | odd<<8 + 0x6161616161616161
}

// appendExtra appends Beam's nextExtra: letters such that current plus
// their count is avg on average, uniform within ±20% of the padding.
func (r *rng) appendExtra(dst []byte, current, avg int) []byte {
	if current > avg {
		return dst
	}
	want := avg - current
	delta := (2*want + 5) / 10 // Java's Math.round(want * 0.2)
	size := want - delta
	if delta > 0 {
		size += int(r.intn(int64(2 * delta)))
	}
	return r.appendLetters(dst, size)
}

// appendCard appends a credit card number: four groups of four digits,
// separated by spaces.
func (r *rng) appendCard(dst []byte) []byte {
	for i := range 4 {
		if i > 0 {
			dst = append(dst, ' ')
		}
		v := r.intn(10_000)
		dst = append(dst, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
	}
	return dst
}
