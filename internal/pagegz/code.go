package pagegz

import (
	"math/bits"
	"slices"
)

// code is a symbol's Huffman code, bit-reversed to be written least
// significant bit first, with any extra bits already after it: n bits in
// all.
type code struct {
	bits uint32
	n    uint8
}

// distance is a distance code's Huffman code (bit-reversed, n bits), the
// first distance it stands for less one, and how many extra bits follow.
type distance struct {
	bits, base uint32
	n, extra   uint8
}

// The codes every page is written with, made at start from codeLengths.
var (
	literals  [256]code
	lengths   [maxMatch + 1]code // by match length, 3 to 258
	distances [30]distance       // by distance code
	// distanceCodes is the code of distance d (d-1 below 256), or of
	// the 128 distances from d ((d-1)>>7 + 256): codes 16 on cover
	// multiples of 128.
	distanceCodes [512]uint8
	endOfBlock    code
	// blockHeader is the start of the one final dynamic block: its type,
	// its code lengths (RFC 1951, 3.2.7). bytes are whole; tail bits of
	// last follow.
	blockHeader struct {
		bytes []byte
		last  byte
		tail  uint
	}
)

func init() {
	litLen, dist := codeLengths[:286], codeLengths[286:]
	lit := canonical(litLen)
	for c := range literals {
		literals[c] = code{uint32(lit[c]), litLen[c]}
	}
	endOfBlock = code{uint32(lit[256]), litLen[256]}
	for l := 3; l <= maxMatch; l++ {
		sym, extra, nExtra := lengthSymbol(l)
		lengths[l] = code{uint32(lit[sym]) | extra<<litLen[sym], litLen[sym] + nExtra}
	}
	d := canonical(dist)
	for c := range distances {
		distances[c].bits, distances[c].n = uint32(d[c]), dist[c]
	}
	for x := range maxDist {
		c, extra, nExtra := distanceCode(x + 1)
		distances[c].base, distances[c].extra = uint32(x)-extra, uint8(nExtra)
		if x < 256 {
			distanceCodes[x] = uint8(c)
		} else {
			distanceCodes[256+x>>7] = uint8(c)
		}
	}
	makeBlockHeader(litLen, dist)
}

// lengthSymbol is the literal/length symbol of a match length (3 to 258)
// and its extra bits (RFC 1951, 3.2.5).
func lengthSymbol(l int) (sym int, extra uint32, nExtra uint8) {
	if l == maxMatch {
		return 285, 0, 0
	}
	x := uint32(l - 3)
	if x < 8 {
		return 257 + int(x), 0, 0
	}
	top := uint32(bits.Len32(x)) - 1 // 3 to 7
	n := top - 2
	return 257 + int(4*(top-1)+(x>>n)&3), x & (1<<n - 1), uint8(n)
}

// canonical gives each symbol with a length its canonical code (RFC 1951,
// 3.2.2), bit-reversed.
func canonical(lens []uint8) []uint16 {
	var count, next [16]int
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	c := 0
	for b := 1; b < 16; b++ {
		c = (c + count[b-1]) << 1
		next[b] = c
	}
	codes := make([]uint16, len(lens))
	for i, l := range lens {
		if l == 0 {
			continue
		}
		codes[i] = bits.Reverse16(uint16(next[l])) >> (16 - l)
		next[l]++
	}
	return codes
}

// codeLengthOrder is the order the code length code's own lengths are
// sent in (RFC 1951, 3.2.7).
var codeLengthOrder = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// makeBlockHeader writes the block's first bits: final, dynamic, and the
// two codes' lengths, run-length coded (a length, then "repeat it 3 to 6
// times more") with a code of their own.
func makeBlockHeader(litLen, dist []uint8) {
	all := slices.Concat(litLen, dist)
	type op struct{ sym, extra uint8 }
	var ops []op
	for i := 0; i < len(all); {
		v := all[i]
		ops = append(ops, op{v, 0})
		i++
		for {
			run := 0
			for i+run < len(all) && all[i+run] == v && run < 6 {
				run++
			}
			if run < 3 {
				break
			}
			ops = append(ops, op{16, uint8(run - 3)})
			i += run
		}
	}
	freq := make([]uint32, 19)
	used := 0
	for _, o := range ops {
		if freq[o.sym] == 0 {
			used++
		}
		freq[o.sym]++
	}
	// A code of one symbol is incomplete, which zlib refuses: give a
	// second one a count (every length alike is all it would take).
	if used < 2 {
		freq[slices.Index(freq, 0)]++
	}
	clLens := huffmanLengths(freq, 7)
	clCodes := canonical(clLens)
	hclen := len(codeLengthOrder)
	for hclen > 4 && clLens[codeLengthOrder[hclen-1]] == 0 {
		hclen--
	}

	var w bitWriter
	w.put(1|2<<1, 3) // final; dynamic
	w.put(uint64(len(litLen)-257), 5)
	w.put(uint64(len(dist)-1), 5)
	w.put(uint64(hclen-4), 4)
	for _, s := range codeLengthOrder[:hclen] {
		w.put(uint64(clLens[s]), 3)
	}
	for _, o := range ops {
		w.put(uint64(clCodes[o.sym]), uint(clLens[o.sym]))
		if o.sym == 16 {
			w.put(uint64(o.extra), 2)
		}
	}
	for w.n >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
	blockHeader.bytes, blockHeader.last, blockHeader.tail = w.out, byte(w.acc), w.n
}

// huffmanLengths gives each symbol with a frequency a code length of at
// most limit bits, from a Huffman tree of the frequencies, halved until
// the tree is shallow enough. Used at start and by the table's test.
func huffmanLengths(freq []uint32, limit int) []uint8 {
	f := slices.Clone(freq)
	for {
		lens := treeLengths(f)
		if int(slices.Max(lens)) <= limit {
			return lens
		}
		for i := range f {
			if f[i] > 0 {
				f[i] = (f[i] + 1) / 2
			}
		}
	}
}

// treeLengths is each symbol's depth in a Huffman tree of freq (two
// queues: the leaves by frequency, and the joined nodes, which come in
// order of weight). A lone symbol gets one bit.
func treeLengths(freq []uint32) []uint8 {
	type node struct {
		w           uint64
		left, right int
	}
	var used []int
	for s, f := range freq {
		if f > 0 {
			used = append(used, s)
		}
	}
	slices.SortStableFunc(used, func(a, b int) int { return int(freq[a]) - int(freq[b]) })
	lens := make([]uint8, len(freq))
	m := len(used)
	if m == 1 {
		lens[used[0]] = 1
	}
	if m <= 1 {
		return lens
	}
	nodes := make([]node, 0, 2*m-1)
	for _, s := range used {
		nodes = append(nodes, node{w: uint64(freq[s]), left: -1})
	}
	leaf, joined := 0, m
	take := func() int {
		if leaf < m && (joined >= len(nodes) || nodes[leaf].w <= nodes[joined].w) {
			leaf++
			return leaf - 1
		}
		joined++
		return joined - 1
	}
	for range m - 1 {
		a, b := take(), take()
		nodes = append(nodes, node{w: nodes[a].w + nodes[b].w, left: a, right: b})
	}
	depth := make([]uint8, len(nodes))
	for i := len(nodes) - 1; i >= m; i-- {
		depth[nodes[i].left] = depth[i] + 1
		depth[nodes[i].right] = depth[i] + 1
	}
	for i, s := range used {
		lens[s] = depth[i]
	}
	return lens
}
