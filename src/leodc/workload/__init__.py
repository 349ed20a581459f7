"""The workload stage: AI training and inference run on the simulated fleet as discrete events.

Modules: :mod:`model` (the inputs and results every part shares), :mod:`events` (the event loop),
:mod:`training` (a data-parallel training job with throttling, faults, checkpoints, failures and
placement), :mod:`inference` (requests from the population centres served by satellites), and
:mod:`stage` (the scenario's ``[workload]`` section turned into those inputs, and the figures a run
stores).
"""
