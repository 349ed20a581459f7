"""The uncertainty stage: distributions on a scenario's assumptions, and what they do to its answer.

``evaluate`` (the closed-form design and economics of many samples at once), ``distributions`` (the
``[uncertain]`` table and the defaults for catalog figures of low confidence), ``sampling`` (seeded
samples), ``sweep`` (``leodc sweep``: Monte Carlo, summarised and stored as a run). Modules are imported
by name (``from leodc.uncertainty.evaluate import evaluate``): this package imports none of them.
"""
