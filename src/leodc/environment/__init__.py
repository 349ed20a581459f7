"""Environment: the Earth's shadow, radiation, atmosphere and orbital decay."""
