"""The message path's throughput, latency and cost per message, driven through the public API.

``uv run --frozen python -m bench.pipeline --help`` says how; ``bench/README.md`` how to read it.
"""
