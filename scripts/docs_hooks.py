"""MkDocs hooks: the benchmark report and its plot, taken from benchmarks/ at build time."""
