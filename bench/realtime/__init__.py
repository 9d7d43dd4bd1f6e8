"""Realtime fan-out benchmark: how long one chat change takes to reach every agent socket
(``python -m bench.realtime``; see ``bench/README.md``)."""
