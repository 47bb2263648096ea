"""Business processes, one module per process: load, gate, process, lookup, finish."""
