// Package pagegz compresses a rendered page into one gzip member (RFC 1952
// around RFC 1951's deflate) in one pass, with a Huffman code chosen in
// advance for the service's HTML.
//
// A general compressor counts each page's symbols, builds a Huffman code
// for them and writes it in front of the data: for a page of a few
// kilobytes that table building is a third of the work
// (docs/performance.md, "twelfth look"). The service's pages are all HTML
// from the same templates, so one code, built once from sample pages and
// written into every page's block header, fits them nearly as well, and a
// match or a literal can be written the moment it is found: no token list,
// no histogram, no tables per page. Matching is greedy, from a hash of the
// next four bytes (a 16 KB table, borrowed from a pool for the call). Any
// input can be coded (every symbol has a code); one that would come out
// larger than it went in is stored instead.
package pagegz

import (
	"encoding/binary"
	"hash/crc32"
	"math/bits"
	"sync"
)

const (
	minMatch = 4
	maxMatch = 258
	maxDist  = 32768
	hashBits = 13
	// tailSlack keeps matches from starting in a page's last few bytes,
	// where one could save next to nothing (matchLen never reads past the
	// page either way).
	tailSlack = 8
	// maxStored is the most one stored block holds.
	maxStored = 65535
)

// gzipHeader starts a gzip member: deflate, no name, no time, no extra
// flags, operating system unknown.
var gzipHeader = [10]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// Append appends page to dst as one gzip member and returns the extended
// slice.
func Append(dst, page []byte) []byte {
	dst = append(dst, gzipHeader[:]...)
	start := len(dst)
	dst = deflate(dst, page, nil)
	if len(dst)-start > storedSize(len(page)) {
		dst = stored(dst[:start], page)
	}
	dst = binary.LittleEndian.AppendUint32(dst, crc32.ChecksumIEEE(page))
	return binary.LittleEndian.AppendUint32(dst, uint32(len(page)))
}

// storedSize is the size of page as stored blocks.
func storedSize(n int) int {
	blocks := max(1, (n+maxStored-1)/maxStored)
	return n + 5*blocks
}

// stored appends page as stored (uncompressed) blocks, the last one final.
func stored(dst, page []byte) []byte {
	for {
		n := min(len(page), maxStored)
		final := byte(0)
		if n == len(page) {
			final = 1
		}
		dst = append(dst, final, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		dst = append(dst, page[:n]...)
		page = page[n:]
		if final == 1 {
			return dst
		}
	}
}

// bitWriter appends bits least significant first, as deflate packs them.
type bitWriter struct {
	out []byte
	acc uint64
	n   uint
}

// put appends b, n bits long (n at most 32; b has no bits set above
// them).
func (w *bitWriter) put(b uint64, n uint) {
	w.acc |= b << w.n
	w.n += n
	if w.n >= 32 {
		w.out = binary.LittleEndian.AppendUint32(w.out, uint32(w.acc))
		w.acc >>= 32
		w.n -= 32
	}
}

// putLiterals writes bytes as literals, two to a put (15 bits each at
// most).
func (w *bitWriter) putLiterals(lits []byte) {
	for len(lits) >= 2 {
		a, b := literals[lits[0]], literals[lits[1]]
		w.put(uint64(a.bits)|uint64(b.bits)<<a.n, uint(a.n+b.n))
		lits = lits[2:]
	}
	if len(lits) == 1 {
		a := literals[lits[0]]
		w.put(uint64(a.bits), uint(a.n))
	}
}

// flush writes what is left, up to the next byte boundary.
func (w *bitWriter) flush() {
	for w.n > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.n = w.n - min(w.n, 8)
	}
	w.acc = 0
}

// deflate appends page as one final dynamic block coded with the code
// made in advance (code.go). With counts, it also counts the symbols it
// writes (the table's test builds the code from them).
func deflate(dst, page []byte, counts *symbolCounts) []byte {
	w := bitWriter{out: dst}
	for _, b := range blockHeader.bytes {
		w.put(uint64(b), 8)
	}
	if blockHeader.tail > 0 {
		w.put(uint64(blockHeader.last), blockHeader.tail)
	}

	table := tables.Get().(*[1 << hashBits]uint16)
	defer tables.Put(table)
	clear(table[:])
	n := len(page)
	lit := 0 // the first byte not yet written
	s := 0
	for s+minMatch+tailSlack <= n {
		cv := binary.LittleEndian.Uint32(page[s:])
		h := hash4(cv)
		// Positions are kept modulo 65536: the candidate is the nearest
		// earlier position with the stored low bits. It may not be the
		// one stored (the table is zero at first, and a page can be
		// longer than 64 KB), which does no harm: a match is taken only
		// within 32 KB and when the page's own bytes there are equal.
		back := int(uint16(s) - table[h])
		table[h] = uint16(s)
		cand := s - back
		if back == 0 || back > maxDist || cand < 0 || binary.LittleEndian.Uint32(page[cand:]) != cv {
			// Further apart, the longer a run without matches
			// gets, so incompressible input does not cost a hash
			// for every byte.
			s += 1 + (s-lit)>>6
			continue
		}
		length := minMatch + matchLen(page[cand+minMatch:], page[s+minMatch:], min(maxMatch, n-s)-minMatch)
		if counts != nil {
			counts.add(page[lit:s], length, back)
		}
		w.putLiterals(page[lit:s])
		e := lengths[length]
		w.put(uint64(e.bits), uint(e.n))
		putDistance(&w, back)
		s += length
		lit = s
		// The positions just before the match's end start the likeliest
		// next matches.
		if s+minMatch+tailSlack <= n {
			for _, p := range [2]int{s - 2, s - 1} {
				table[hash4(binary.LittleEndian.Uint32(page[p:]))] = uint16(p)
			}
		}
	}
	if counts != nil {
		counts.add(page[lit:], 0, 0)
	}
	w.putLiterals(page[lit:])
	w.put(uint64(endOfBlock.bits), uint(endOfBlock.n))
	w.flush()
	return w.out
}

// tables are the matcher's hash tables. On the stack, 16 KB would make
// the goroutine's stack grow to 32 KB and be copied, for nearly every
// page: the collector shrinks the stacks of goroutines that wait for
// their connection's next request.
var tables = sync.Pool{New: func() any { return new([1 << hashBits]uint16) }}

func hash4(v uint32) uint32 { return (v * 2654435761) >> (32 - hashBits) }

// matchLen is how many of the first most bytes of a and b are equal.
func matchLen(a, b []byte, most int) int {
	n := 0
	for n+8 <= most {
		x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:])
		if x != 0 {
			return n + bits.TrailingZeros64(x)>>3
		}
		n += 8
	}
	for n < most && a[n] == b[n] {
		n++
	}
	return n
}

// distanceCode is a match distance's code (1 to 32768), and its extra
// bits (RFC 1951, 3.2.5).
func distanceCode(d int) (code, extra, nExtra uint32) {
	x := uint32(d - 1)
	if x < 4 {
		return x, 0, 0
	}
	top := uint32(bits.Len32(x)) - 1 // 2 to 14
	nExtra = top - 1
	return 2*top + (x>>nExtra)&1, x & (1<<nExtra - 1), nExtra
}

// distanceLookup is the code of distance x+1 (x below 32768), from
// distanceCodes.
func distanceLookup(x uint32) uint8 {
	if x < 256 {
		return distanceCodes[x]
	}
	return distanceCodes[256+x>>7]
}

// putDistance writes a match's distance (1 to 32768): its code, then its
// extra bits.
func putDistance(w *bitWriter, d int) {
	x := uint32(d - 1)
	e := distances[distanceLookup(x)]
	w.put(uint64(e.bits)|uint64(x-e.base)<<e.n, uint(e.n+e.extra))
}

// symbolCounts counts the literal/length symbols (0 to 285) and the
// distance codes (286 on) a page is written with.
type symbolCounts [316]uint32

func (c *symbolCounts) add(lits []byte, length, dist int) {
	for _, b := range lits {
		c[b]++
	}
	if length == 0 {
		c[256]++ // the end of the block
		return
	}
	sym, _, _ := lengthSymbol(length)
	c[sym]++
	code, _, _ := distanceCode(dist)
	c[286+code]++
}
