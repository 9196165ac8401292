"""Relais: an AI assistant answering a commune's agents from the town's own documents."""

import os

# The embedder (OpenMP) already uses every core for a query; letting OpenBLAS
# start its own threads for the small dense mat-vec makes the two pools fight,
# which measured p95 search latency at ~100 ms instead of ~20 ms on two cores.
# Set before numpy is first imported, which happens below this package.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# OpenMP threads that spin while waiting burn the CPU the web server and the
# other requests need: under a 20-agent load on two cores, spinning gave p50
# 84 ms / p95 270 ms, passive waiting 73 ms / 160 ms (bench/load.py).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
