"""masthead's benchmarks. Run them all with ``make bench`` (``python -m bench``)."""
