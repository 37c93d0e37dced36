"""Benchmarks of the OpenADR VEN library against openleadr and raw lxml (``python -m bench.run``)."""
