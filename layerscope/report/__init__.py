"""Size-regression reports: compare two images (or an image and a saved baseline).

The pipeline is ``snapshot`` (image → the numbers a comparison needs) → ``compare`` (two
snapshots → a :class:`~layerscope.report.compare.Comparison`) → ``gates`` (verdict) → one of
``terminal`` / ``markdown`` / ``json_out``.  Only this package and ``commands`` import it; the
core (sources, archive, tree, analysis) never does.
"""
