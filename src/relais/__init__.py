"""Relais: an AI assistant answering a commune's agents from the town's own documents."""

import os

# The embedder (OpenMP) already uses every core for a query; letting OpenBLAS
# start its own threads for the small dense mat-vec makes the two pools fight,
# which measured p95 search latency at ~100 ms instead of ~20 ms on two cores.
# Set before numpy is first imported, which happens below this package.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# The OpenMP wait policy is the server's business (relais/asgi.py): a one-shot
# command (ask, search, eval) keeps the runtime's default short spin, which
# answers a lone query ~10 ms sooner than passive waiting.
