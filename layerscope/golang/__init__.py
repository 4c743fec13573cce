"""Go compatibility: the parts of Go's standard library and of go-humanize that dive's output depends on.

dive is a Go program, so the text it prints and the JSON it writes follow Go's rules, not
Python's: how ``%v`` lays out a float, how ``encoding/json`` escapes a string, how go-humanize
rounds ``13 kB``, how ``strconv.ParseFloat`` words an error, the order Go's unstable
``sort.Sort`` leaves ties in.  Every dive-facing face (CI text, ``--json``, the UI, reports,
explain) formats and parses through this package, so each of those rules is written once.

* :mod:`.strconv`: ``strconv.FormatFloat`` (``%v``, ``'f'``), ``%2.4f``, NaN/±Inf text,
  ``strconv.ParseFloat`` with Go's error text, ``strconv.Quote`` as dive's errors use it.
* :mod:`.encjson`: ``encoding/json``'s float and (HTML-escaping) string encodings.
* :mod:`.humanize`: go-humanize ``Bytes`` (with Go's own ``math.Log``) and ``ParseBytes``.
* :mod:`.sort`: a line-by-line port of Go 1.24's ``sort.Sort`` (pdqsort).

Nothing here imports from the rest of layerscope: it is a leaf that everything else may use.
"""
