"""Physical constants, in SI with their units in the names, and where each comes from.

This is the one place for constants of nature and of the Earth; parts and prices live in the
catalog (`leodc.catalog`), assumptions in scenario files.
"""

from __future__ import annotations

import math

# CODATA 2018
STEFAN_BOLTZMANN_W_PER_M2_K4 = 5.670374419e-8

# Kopp & Lean 2011, total solar irradiance at 1 AU (some studies use 1366)
SOLAR_CONSTANT_W_PER_M2 = 1361.0

# WGS84 equatorial radius and GM (NIMA TR8350.2)
EARTH_RADIUS_KM = 6378.137
EARTH_MU_KM3_PER_S2 = 398600.4418
# Density of aluminium (CRC Handbook of Chemistry and Physics), the shield material
ALUMINIUM_DENSITY_KG_PER_M3 = 2700.0

# WGS72, the constants SGP4 is defined with (Vallado et al. 2006)
WGS72_EARTH_RADIUS_KM = 6378.135
WGS72_MU_KM3_PER_S2 = 398600.8
WGS72_J2 = 0.001082616
WGS72_J3 = -0.00000253881
# EGM96 second zonal harmonic (unnormalised), as used for J2 secular rates
EARTH_J2 = 1.08262668e-3

# Earth's mean Bond albedo and effective emitting temperature (Stephens et al. 2015,
# Nature Geoscience: albedo ~0.29-0.30; OLR ~240 W/m² gives 255 K)
EARTH_ALBEDO = 0.30
EARTH_IR_TEMPERATURE_K = 255.0

# Obliquity of the ecliptic at J2000 (IAU 2006), and the tropical year (days)
OBLIQUITY_DEG = 23.439291
TROPICAL_YEAR_DAYS = 365.2422

# Time units
SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0
HOURS_PER_YEAR = 8766.0  # Julian year, 365.25 d
HOURS_PER_DAY = 24.0
SECONDS_PER_DAY = 86400.0
SECONDS_PER_YEAR = HOURS_PER_YEAR * SECONDS_PER_HOUR

# Energy units
J_PER_KWH = 3.6e6
J_PER_MJ = 1e6
MJ_PER_GJ = 1000.0

# Angles
TWO_PI = 2.0 * math.pi

# Mean motion of the Sun along the ecliptic, rad/s (one tropical year per turn)
SUN_MEAN_MOTION_RAD_PER_S = TWO_PI / (TROPICAL_YEAR_DAYS * SECONDS_PER_DAY)

# Valid altitude range for LEO shells handled by leodc (the FCC rule's LEO bound is 2000 km;
# below ~160 km an orbit decays within days)
MIN_ALTITUDE_KM = 160.0
MAX_ALTITUDE_KM = 2000.0

# World launch activity in 2025 (Jonathan McDowell, planet4589.org launch logs; docs/references.md,
# [McDowell2025]): payloads put in orbit and orbital launch attempts.
WORLD_PAYLOADS_2025 = 4522
WORLD_LAUNCH_ATTEMPTS_2025 = 329

# Sun and Earth for shadow geometry and time scales (added with leodc.orbits.sun / frames and
# leodc.environment.eclipse):
# nominal solar radius, IAU 2015 Resolution B3
SUN_RADIUS_KM = 695700.0
# astronomical unit, IAU 2012 Resolution B2 (exact)
AU_KM = 149597870.7
# Earth's nominal mean angular velocity (IERS Conventions 2010, Table 1.1; Vallado's omega_earth)
EARTH_ROTATION_RAD_PER_S = 7.292115146706979e-5
# Julian date of the J2000.0 epoch (2000-01-01 12:00 TT) and days per Julian century
JD_J2000 = 2451545.0
DAYS_PER_JULIAN_CENTURY = 36525.0
# TT - UTC = 32.184 s + 37 leap seconds, valid from 2017-01-01 (IERS Bulletin C); earlier dates
# are off by the leap seconds since then (at most 13 s back to 1990), which moves the Sun by < 1"
TT_MINUS_UTC_S = 69.184

# Speed of light in vacuum (SI, exact since 1983) and the share of it light keeps in optical fibre
# (silica's group index ~1.47-1.5: the usual 2/3 c of network latency studies, e.g. Hypatia, Kassing et al.
# 2020, and the "distance / (2/3 c)" fibre bound)
SPEED_OF_LIGHT_KM_PER_S = 299792.458
FIBRE_SPEED_FRACTION = 2.0 / 3.0
# WGS84 flattening (NIMA TR8350.2): geodetic latitude and height of ground sites
WGS84_FLATTENING = 1.0 / 298.257223563
