"""Orbits: constellations, real fleets, propagation, the Sun and reference frames."""
