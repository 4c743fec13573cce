"""A line-by-line Python port of Go's unstable ``sort.Sort`` (Go 1.24).

Why this exists
---------------
dive sorts its list of "inefficient files" by a numeric key (the wasted
size) with Go's ``sort.Sort``.  That sort is *unstable*: files whose keys are
equal come out in an order that depends on exactly which comparisons and
swaps Go's pattern-defeating quicksort (pdqsort) performs.  To show those
ties in the same order as dive, bit for bit, we cannot use Python's
``sorted`` (which is stable) or any other sort: we have to run the very same
algorithm.

This module is that algorithm, ported from Go's ``src/sort/sort.go`` and
``src/sort/zsortinterface.go``.  The functions keep Go's names (in
snake_case), their argument order and their local variable names, so each
one can be checked against Go's source line by line:

* ``sort`` is ``sort.Sort``: ``limit = bits.Len(uint(n))`` then ``pdqsort``;
* ``pdqsort``, ``partition``, ``partition_equal``,
  ``partial_insertion_sort``, ``break_patterns``, ``choose_pivot``,
  ``order2``, ``median``, ``median_adjacent``, ``reverse_range``,
  ``insertion_sort``, ``heap_sort`` and ``sift_down`` are their Go
  namesakes;
* ``XorShift`` is Go's ``xorshift`` type: a ``uint64`` in Go, so every shift
  is masked back to 64 bits here.

Go version matters
------------------
Go 1.19 introduced pdqsort in ``sort.Sort``.  Up to Go 1.23 ``xorshift.Next``
used the shift triple (13, 17, 5); Go 1.24 changed it to (13, 7, 17)
(golang/go#70144).  ``break_patterns`` is the only user of the generator, so
the two versions order ties differently only on inputs that drive pdqsort
into an unbalanced partition.  dive 0.13.1 is built with Go 1.24, and this
port follows Go 1.24.  Everything else in the algorithm is unchanged between
Go 1.19 and Go 1.24.

``sort.Slice`` (``zsortfunc.go``) runs the same algorithm through a
``lessSwap`` pair, so it orders ties exactly as ``sort.Sort`` does too.

``sort_keyed`` (at the end) is the same algorithm specialised to "order two
parallel lists by an int key list", with the calls written out; the port
above stays the readable reference it is checked against.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Interface", "ListInterface", "XorShift", "go_sort", "sort", "sort_keyed"]

_MASK64 = (1 << 64) - 1

# sortedHint values (a hint for pdqsort when choosing the pivot).
UNKNOWN_HINT = 0
INCREASING_HINT = 1
DECREASING_HINT = 2


class Interface(Protocol):
    """Go's ``sort.Interface``."""

    def len(self) -> int: ...

    def less(self, i: int, j: int) -> bool: ...

    def swap(self, i: int, j: int) -> None: ...


class ListInterface:
    """``sort.Interface`` over a Python list and a less-than on its elements.

    ``less(i, j)`` is ``less_items(data[i], data[j])`` and ``swap(i, j)``
    exchanges ``data[i]`` and ``data[j]``, as a Go type with ``Less`` and
    ``Swap`` methods over a slice would.  Both are plain closures stored on
    the instance (much like Go's ``lessSwap``), so a call costs no more than
    it has to.
    """

    __slots__ = ("items", "less", "swap")

    def __init__(self, items: list, less_items: Callable[[Any, Any], bool]) -> None:
        self.items = items

        def less(i: int, j: int) -> bool:
            return less_items(items[i], items[j])

        def swap(i: int, j: int) -> None:
            items[i], items[j] = items[j], items[i]

        self.less = less
        self.swap = swap

    def len(self) -> int:
        return len(self.items)


def go_sort(data: list, less: Callable[[Any, Any], bool]) -> None:
    """Sort `data` in place exactly as Go's sort.Sort would with Less(i,j)=less(data[i],data[j]) and Swap."""
    sort(ListInterface(data, less))


def _bits_len(x: int) -> int:
    """Go's ``bits.Len(uint(x))`` for ``x >= 0``: the bits needed to hold x."""
    return x.bit_length()


# --- sort.go -----------------------------------------------------------------


def sort(data: Interface) -> None:
    """Go's ``sort.Sort(data)``."""
    n = data.len()
    if n <= 1:
        return
    limit = _bits_len(n)
    pdqsort(data, 0, n, limit)


class XorShift:
    """Go's ``type xorshift uint64`` (Go 1.24 shift triple 13, 7, 17)."""

    __slots__ = ("r",)

    def __init__(self, seed: int) -> None:
        self.r = seed & _MASK64

    def next(self) -> int:
        r = self.r
        r ^= (r << 13) & _MASK64
        r ^= r >> 7
        r ^= (r << 17) & _MASK64
        self.r = r
        return r


def next_power_of_two(length: int) -> int:
    shift = _bits_len(length)
    return 1 << shift


# --- zsortinterface.go -------------------------------------------------------


def insertion_sort(data: Interface, a: int, b: int) -> None:
    """insertionSort sorts data[a:b] using insertion sort."""
    less, swap = data.less, data.swap
    for i in range(a + 1, b):
        j = i
        while j > a and less(j, j - 1):
            swap(j, j - 1)
            j -= 1


def sift_down(data: Interface, lo: int, hi: int, first: int) -> None:
    """siftDown implements the heap property on data[lo:hi].

    first is an offset into the array where the root of the heap lies.
    """
    less, swap = data.less, data.swap
    root = lo
    while True:
        child = 2 * root + 1
        if child >= hi:
            break
        if child + 1 < hi and less(first + child, first + child + 1):
            child += 1
        if not less(first + root, first + child):
            return
        swap(first + root, first + child)
        root = child


def heap_sort(data: Interface, a: int, b: int) -> None:
    first = a
    lo = 0
    hi = b - a

    # Build heap with greatest element at top.
    # (Go: for i := (hi - 1) / 2; i >= 0; i--; hi > 12 here, so // == Go's /.)
    for i in range((hi - 1) // 2, -1, -1):
        sift_down(data, i, hi, first)

    # Pop elements, largest first, into end of data.
    for i in range(hi - 1, -1, -1):
        data.swap(first, first + i)
        sift_down(data, lo, i, first)


def pdqsort(data: Interface, a: int, b: int, limit: int) -> None:
    """pdqsort sorts data[a:b].

    limit is the number of allowed bad (very unbalanced) pivots before
    falling back to heapsort.
    """
    max_insertion = 12

    was_balanced = True  # whether the last partitioning was reasonably balanced
    was_partitioned = True  # whether the slice was already partitioned

    while True:
        length = b - a

        if length <= max_insertion:
            insertion_sort(data, a, b)
            return

        # Fall back to heapsort if too many bad choices were made.
        if limit == 0:
            heap_sort(data, a, b)
            return

        # If the last partitioning was imbalanced, we need to breaking patterns.
        if not was_balanced:
            break_patterns(data, a, b)
            limit -= 1

        pivot, hint = choose_pivot(data, a, b)
        if hint == DECREASING_HINT:
            reverse_range(data, a, b)
            # The chosen pivot was pivot-a elements after the start of the array.
            # After reversing it is pivot-a elements before the end of the array.
            pivot = (b - 1) - (pivot - a)
            hint = INCREASING_HINT

        # The slice is likely already sorted.
        if was_balanced and was_partitioned and hint == INCREASING_HINT:  # noqa: SIM102 - Go's shape
            if partial_insertion_sort(data, a, b):
                return

        # Probably the slice contains many duplicate elements, partition the slice into
        # elements equal to and elements greater than the pivot.
        if a > 0 and not data.less(a - 1, pivot):
            mid = partition_equal(data, a, b, pivot)
            a = mid
            continue

        mid, already_partitioned = partition(data, a, b, pivot)
        was_partitioned = already_partitioned

        left_len, right_len = mid - a, b - mid
        balance_threshold = length // 8
        if left_len < right_len:
            was_balanced = left_len >= balance_threshold
            pdqsort(data, a, mid, limit)
            a = mid + 1
        else:
            was_balanced = right_len >= balance_threshold
            pdqsort(data, mid + 1, b, limit)
            b = mid


def partition(data: Interface, a: int, b: int, pivot: int) -> tuple[int, bool]:
    """partition does one quicksort partition.

    Let p = data[pivot].  Moves elements in data[a:b] around, so that
    data[i]<p and data[j]>=p for i<newpivot and j>newpivot.
    On return, data[newpivot] = p.  Returns (newpivot, alreadyPartitioned).
    """
    less, swap = data.less, data.swap
    swap(a, pivot)
    i, j = (
        a + 1,
        b - 1,
    )  # i and j are inclusive of the elements remaining to be partitioned

    while i <= j and less(i, a):
        i += 1
    while i <= j and not less(j, a):
        j -= 1
    if i > j:
        swap(j, a)
        return j, True
    swap(i, j)
    i += 1
    j -= 1

    while True:
        while i <= j and less(i, a):
            i += 1
        while i <= j and not less(j, a):
            j -= 1
        if i > j:
            break
        swap(i, j)
        i += 1
        j -= 1
    swap(j, a)
    return j, False


def partition_equal(data: Interface, a: int, b: int, pivot: int) -> int:
    """partitionEqual partitions data[a:b] into elements equal to data[pivot]
    followed by elements greater than data[pivot].

    It assumed that data[a:b] does not contain elements smaller than the
    data[pivot].  Returns newpivot.
    """
    less, swap = data.less, data.swap
    swap(a, pivot)
    i, j = (
        a + 1,
        b - 1,
    )  # i and j are inclusive of the elements remaining to be partitioned

    while True:
        while i <= j and not less(a, i):
            i += 1
        while i <= j and less(a, j):
            j -= 1
        if i > j:
            break
        swap(i, j)
        i += 1
        j -= 1
    return i


def partial_insertion_sort(data: Interface, a: int, b: int) -> bool:
    """partialInsertionSort partially sorts a slice, returns true if the slice
    is sorted at the end."""
    max_steps = 5  # maximum number of adjacent out-of-order pairs that will get shifted
    shortest_shifting = 50  # don't shift any elements on short arrays
    less, swap = data.less, data.swap
    i = a + 1
    for _ in range(max_steps):
        while i < b and not less(i, i - 1):
            i += 1

        if i == b:
            return True

        if b - a < shortest_shifting:
            return False

        swap(i, i - 1)

        # Shift the smaller one to the left.
        if i - a >= 2:
            # Go: for j := i - 1; j >= 1; j-- (sic: the bound is 1, not a+1).
            j = i - 1
            while j >= 1:
                if not less(j, j - 1):
                    break
                swap(j, j - 1)
                j -= 1
        # Shift the greater one to the right.
        if b - i >= 2:
            j = i + 1
            while j < b:
                if not less(j, j - 1):
                    break
                swap(j, j - 1)
                j += 1
    return False


def break_patterns(data: Interface, a: int, b: int) -> None:
    """breakPatterns scatters some elements around in an attempt to break some
    patterns that might cause imbalanced partitions in quicksort."""
    length = b - a
    if length >= 8:
        random = XorShift(length)
        modulus = next_power_of_two(length)

        idx = a + (length // 4) * 2 - 1
        while idx <= a + (length // 4) * 2 + 1:
            other = random.next() & (modulus - 1)
            if other >= length:
                other -= length
            data.swap(idx, a + other)
            idx += 1


def choose_pivot(data: Interface, a: int, b: int) -> tuple[int, int]:
    """choosePivot chooses a pivot in data[a:b].

    [0,8): chooses a static pivot.
    [8,shortestNinther): uses the simple median-of-three method.
    [shortestNinther,inf): uses the Tukey ninther method.
    Returns (pivot, hint).
    """
    shortest_ninther = 50
    max_swaps = 4 * 3

    l = b - a  # noqa: E741  (Go's name)

    # Go passes &swaps down; a one-element list plays the pointer here.
    swaps = [0]
    i = a + l // 4 * 1
    j = a + l // 4 * 2
    k = a + l // 4 * 3

    if l >= 8:
        if l >= shortest_ninther:
            # Tukey ninther method, the idea came from Rust's implementation.
            i = median_adjacent(data, i, swaps)
            j = median_adjacent(data, j, swaps)
            k = median_adjacent(data, k, swaps)
        # Find the median among i, j, k and stores it into j.
        j = median(data, i, j, k, swaps)

    if swaps[0] == 0:
        return j, INCREASING_HINT
    if swaps[0] == max_swaps:
        return j, DECREASING_HINT
    return j, UNKNOWN_HINT


def order2(data: Interface, a: int, b: int, swaps: list[int]) -> tuple[int, int]:
    """order2 returns x,y where data[x] <= data[y], where x,y=a,b or x,y=b,a."""
    if data.less(b, a):
        swaps[0] += 1
        return b, a
    return a, b


def median(data: Interface, a: int, b: int, c: int, swaps: list[int]) -> int:
    """median returns x where data[x] is the median of data[a],data[b],data[c],
    where x is a, b, or c."""
    a, b = order2(data, a, b, swaps)
    b, c = order2(data, b, c, swaps)
    a, b = order2(data, a, b, swaps)
    return b


def median_adjacent(data: Interface, a: int, swaps: list[int]) -> int:
    """medianAdjacent finds the median of data[a - 1], data[a], data[a + 1] and
    stores the index into a."""
    return median(data, a - 1, a, a + 1, swaps)


def reverse_range(data: Interface, a: int, b: int) -> None:
    i = a
    j = b - 1
    while i < j:
        data.swap(i, j)
        i += 1
        j -= 1


# --- specialised: two parallel lists ordered by an int key list ----------------
#
# ``sort_keyed(keys, rows)`` is ``sort(data)`` for the one Interface the analysis needs:
# ``Less(i, j)`` is ``keys[i] < keys[j]`` and ``Swap(i, j)`` swaps ``keys`` and ``rows`` together.
# It is the generic port above with ``less``/``swap`` written out as list operations and the
# helpers folded into ``_pdqsort_keyed``, because on ~20k tied rows the generic port spends most
# of its time in Python calls (~40 ``Less`` a row), not in comparing.  It makes the same
# comparisons (with the same answers) and the same swaps in the same order, so the permutation
# is the generic port's, tie order included; tests/golang/test_sort_keyed.py holds it to that.
# Two rewrites keep the permutation but not the literal call sequence: insertion sort shifts the
# moving element down instead of swapping it step by step, and reverse_range reverses slices.
# In partition/partitionEqual the pivot stays at index a until the closing swap, so ``Less(i, a)``
# is ``keys[i] < p`` with ``p = keys[a]`` read once.


def sort_keyed(keys: list[int], rows: list) -> None:
    """Go's ``sort.Sort`` on the Interface "Less: keys[i] < keys[j]; Swap: keys and rows", in place."""
    n = len(keys)
    if len(rows) != n:
        raise ValueError("sort_keyed: keys and rows differ in length")
    if n <= 1:
        return
    _pdqsort_keyed(keys, rows, 0, n, _bits_len(n))


def _pdqsort_keyed(keys: list[int], rows: list, a: int, b: int, limit: int) -> None:
    """pdqsort(data, a, b, limit) with insertionSort, breakPatterns, choosePivot, reverseRange,
    partitionEqual and partition inlined (see the generic ``pdqsort`` for the commented shape)."""
    was_balanced = True
    was_partitioned = True

    while True:
        length = b - a

        if length <= 12:
            # insertionSort(a, b): element i moves left past every larger key, as Go's swaps do.
            for i in range(a + 1, b):
                k = keys[i]
                if k < keys[i - 1]:
                    r = rows[i]
                    j = i
                    while j > a and k < keys[j - 1]:
                        keys[j] = keys[j - 1]
                        rows[j] = rows[j - 1]
                        j -= 1
                    keys[j] = k
                    rows[j] = r
            return

        if limit == 0:
            _heap_sort_keyed(keys, rows, a, b)
            return

        if not was_balanced:
            # breakPatterns(a, b); length > 12 here, so the Go's length >= 8 test always holds.
            r64 = length
            mask = (1 << _bits_len(length)) - 1
            mid_idx = a + (length // 4) * 2
            for idx in (mid_idx - 1, mid_idx, mid_idx + 1):
                r64 ^= (r64 << 13) & _MASK64
                r64 ^= r64 >> 7
                r64 ^= (r64 << 17) & _MASK64
                other = r64 & mask
                if other >= length:
                    other -= length
                o = a + other
                keys[idx], keys[o] = keys[o], keys[idx]
                rows[idx], rows[o] = rows[o], rows[idx]
            limit -= 1

        # choosePivot(a, b); length >= 8 always here.
        q = length // 4
        i = a + q
        j = a + q * 2
        k = a + q * 3
        swaps = 0
        if length >= 50:
            i, s = _median_keyed(keys, i - 1, i, i + 1)
            swaps += s
            j, s = _median_keyed(keys, j - 1, j, j + 1)
            swaps += s
            k, s = _median_keyed(keys, k - 1, k, k + 1)
            swaps += s
        pivot, s = _median_keyed(keys, i, j, k)
        swaps += s
        if swaps == 12:  # decreasingHint
            # reverseRange(a, b), then the pivot's mirror index; the hint becomes increasingHint.
            keys[a:b] = keys[a:b][::-1]
            rows[a:b] = rows[a:b][::-1]
            pivot = (b - 1) - (pivot - a)
            swaps = 0

        if was_balanced and was_partitioned and swaps == 0:  # noqa: SIM102 - Go's shape
            if _partial_insertion_sort_keyed(keys, rows, a, b):
                return

        if a > 0 and not keys[a - 1] < keys[pivot]:
            # partitionEqual(a, b, pivot)
            keys[a], keys[pivot] = keys[pivot], keys[a]
            rows[a], rows[pivot] = rows[pivot], rows[a]
            p = keys[a]
            i, j = a + 1, b - 1
            while True:
                while i <= j and not p < keys[i]:
                    i += 1
                while i <= j and p < keys[j]:
                    j -= 1
                if i > j:
                    break
                keys[i], keys[j] = keys[j], keys[i]
                rows[i], rows[j] = rows[j], rows[i]
                i += 1
                j -= 1
            a = i
            continue

        # partition(a, b, pivot)
        keys[a], keys[pivot] = keys[pivot], keys[a]
        rows[a], rows[pivot] = rows[pivot], rows[a]
        p = keys[a]
        i, j = a + 1, b - 1
        while i <= j and keys[i] < p:
            i += 1
        while i <= j and not keys[j] < p:
            j -= 1
        if i > j:
            was_partitioned = True
        else:
            was_partitioned = False
            keys[i], keys[j] = keys[j], keys[i]
            rows[i], rows[j] = rows[j], rows[i]
            i += 1
            j -= 1
            while True:
                while i <= j and keys[i] < p:
                    i += 1
                while i <= j and not keys[j] < p:
                    j -= 1
                if i > j:
                    break
                keys[i], keys[j] = keys[j], keys[i]
                rows[i], rows[j] = rows[j], rows[i]
                i += 1
                j -= 1
        keys[j], keys[a] = keys[a], keys[j]
        rows[j], rows[a] = rows[a], rows[j]
        mid = j

        left_len, right_len = mid - a, b - mid
        balance_threshold = length // 8
        if left_len < right_len:
            was_balanced = left_len >= balance_threshold
            _pdqsort_keyed(keys, rows, a, mid, limit)
            a = mid + 1
        else:
            was_balanced = right_len >= balance_threshold
            _pdqsort_keyed(keys, rows, mid + 1, b, limit)
            b = mid


def _median_keyed(keys: list[int], a: int, b: int, c: int) -> tuple[int, int]:
    """median(data, a, b, c, &swaps) with order2 inlined: (index of the median, swaps made)."""
    swaps = 0
    if keys[b] < keys[a]:
        swaps += 1
        a, b = b, a
    if keys[c] < keys[b]:
        swaps += 1
        b, c = c, b
    if keys[b] < keys[a]:
        swaps += 1
        a, b = b, a
    return b, swaps


def _partial_insertion_sort_keyed(keys: list[int], rows: list, a: int, b: int) -> bool:
    """partialInsertionSort(data, a, b), including Go's ``j >= 1`` bound (see the generic one)."""
    i = a + 1
    for _ in range(5):
        while i < b and not keys[i] < keys[i - 1]:
            i += 1
        if i == b:
            return True
        if b - a < 50:
            return False
        keys[i], keys[i - 1] = keys[i - 1], keys[i]
        rows[i], rows[i - 1] = rows[i - 1], rows[i]
        if i - a >= 2:
            j = i - 1
            while j >= 1:
                if not keys[j] < keys[j - 1]:
                    break
                keys[j], keys[j - 1] = keys[j - 1], keys[j]
                rows[j], rows[j - 1] = rows[j - 1], rows[j]
                j -= 1
        if b - i >= 2:
            j = i + 1
            while j < b:
                if not keys[j] < keys[j - 1]:
                    break
                keys[j], keys[j - 1] = keys[j - 1], keys[j]
                rows[j], rows[j - 1] = rows[j - 1], rows[j]
                j += 1
    return False


def _heap_sort_keyed(keys: list[int], rows: list, a: int, b: int) -> None:
    """heapSort(data, a, b) with siftDown in ``_sift_down_keyed``."""
    first = a
    hi = b - a
    for i in range((hi - 1) // 2, -1, -1):
        _sift_down_keyed(keys, rows, i, hi, first)
    for i in range(hi - 1, -1, -1):
        keys[first], keys[first + i] = keys[first + i], keys[first]
        rows[first], rows[first + i] = rows[first + i], rows[first]
        _sift_down_keyed(keys, rows, 0, i, first)


def _sift_down_keyed(keys: list[int], rows: list, lo: int, hi: int, first: int) -> None:
    root = lo
    while True:
        child = 2 * root + 1
        if child >= hi:
            return
        if child + 1 < hi and keys[first + child] < keys[first + child + 1]:
            child += 1
        x, y = first + root, first + child
        if not keys[x] < keys[y]:
            return
        keys[x], keys[y] = keys[y], keys[x]
        rows[x], rows[y] = rows[y], rows[x]
        root = child
