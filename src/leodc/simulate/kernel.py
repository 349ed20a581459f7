"""The fused per-step kernel: propagation, shadow, power and battery, thermal, reductions.

One call advances a chunk of satellites through one time window. Satellites are split into blocks
run in parallel (numba ``prange``); each block owns its row of the fleet time-series buffer, so no
two threads write the same memory and results do not depend on the thread count.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from leodc.constants import (
    AU_KM,
    EARTH_RADIUS_KM,
    HOURS_PER_YEAR,
    SECONDS_PER_HOUR,
    SUN_RADIUS_KM,
)
from leodc.orbits.secular import circular_angles, circular_constants, circular_position, is_circular, state_at
from leodc.simulate import spacecraft as sc

# the per-satellite state carried from window to window: its layout is the spacecraft's
from leodc.simulate.spacecraft import (
    S_ECLIPSE_RUN_S,
    S_ENERGY_WH,
    S_LIT,
    S_T_CHIP,
    S_T_COOLANT,
    S_T_RADIATOR,
)

# per-satellite accumulators (reductions over the whole run)
(A_SUNLIT_S, A_GENERATED_WH, A_CONSUMED_WH, A_COMPUTE_S, A_THROTTLED_S, A_MIN_SOC, A_MAX_CHIP_K, A_MAX_RADIATOR_K,
 A_MIN_RADIATOR_K, A_ECLIPSES, A_LONGEST_ECLIPSE_S, A_STEPS_S) = range(12)
N_ACC = 12

# fleet time series per step (summed over the satellites flown at that step)
F_IN_SHADOW, F_POWER_W, F_COMPUTE, F_IT_POWER_W, F_FLOWN = range(5)
N_FLEET = 5

# a point farther than this from the shadow axis is sunlit whatever the penumbra, and one nearer than
# Earth's radius less this is in the umbra (LEO to 2000 km: the penumbra and umbra cones widen and
# narrow the shadow by at most its length behind the Earth times sun radius / AU, < 40 km)
PENUMBRA_MARGIN_KM = 60.0
LIT_THRESHOLD = 0.5
# a step whose dark share exceeds this belongs to an eclipse (its dark time counts in the eclipse's length)
DARK_EPS = 1e-6
MAX_SPEED_KM_S = 11.2
# LLVM may contract to FMA, reassociate and use reciprocals (measured +20 % on this kernel); NaN and
# infinity semantics stay (accumulators start at +-inf, SGP4 failures are NaN)
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}  # escape speed at the surface bounds any orbital speed
ENERGY_EPS = 1e-9


def new_accumulators(n: int) -> np.ndarray:
    acc = np.zeros((n, N_ACC))
    acc[:, A_MIN_SOC] = np.inf
    acc[:, A_MIN_RADIATOR_K] = np.inf
    acc[:, A_MAX_CHIP_K] = -np.inf
    acc[:, A_MAX_RADIATOR_K] = -np.inf
    return acc


@numba.njit(cache=True, inline="always")
def _ramp_integral(x, a, b):
    """Integral from -inf to x of clamp((x - a) / (b - a), 0, 1); a step at a when b == a."""
    if x <= a:
        return 0.0
    if x >= b:
        return 0.5 * (b - a) + (x - b)
    return 0.5 * (x - a) * (x - a) / (b - a)


@numba.njit(cache=True, inline="always")
def illumination(x, y, z, vx, vy, vz, sx, sy, sz, sun_dist_km, conical, half_step_s, reject_km):
    """Fraction of the solar disk seen, averaged over the step [t - dt/2, t + dt/2].

    The satellite's distance from the shadow axis, perp, moves at a rate g' = (p . v) / |p| during a
    step; lit is a ramp in perp from the umbra's radius (0) to the penumbra's (1) at the satellite's
    distance behind the Earth (cylindrical: a step at the Earth's radius). Averaging that ramp over
    perp +- |g'| dt/2 gives the share of the step spent in sunlight, so energy and eclipse time do not
    jump by a whole step when a shadow boundary falls between two samples. ``s`` is the unit vector
    to the Sun; points farther than ``reject_km`` from the axis are lit for the whole step.
    """
    proj = x * sx + y * sy + z * sz
    if proj >= 0.0:
        return 1.0
    r2 = x * x + y * y + z * z
    perp2 = r2 - proj * proj
    if perp2 > reject_km * reject_km:
        return 1.0
    perp = math.sqrt(perp2)
    behind = -proj
    if conical != 0.0:
        a = EARTH_RADIUS_KM - behind * (SUN_RADIUS_KM - EARTH_RADIUS_KM) / sun_dist_km  # umbra
        b = EARTH_RADIUS_KM + behind * (SUN_RADIUS_KM + EARTH_RADIUS_KM) / sun_dist_km  # penumbra
    else:
        a = b = EARTH_RADIUS_KM
    px, py, pz = x + behind * sx, y + behind * sy, z + behind * sz
    h = abs(px * vx + py * vy + pz * vz) / max(perp, 1e-9) * half_step_s
    if h < 1e-9:
        if perp <= a:
            return 0.0
        return 1.0 if perp >= b else (perp - a) / (b - a)
    return (_ramp_integral(perp + h, a, b) - _ramp_integral(perp - h, a, b)) / (2.0 * h)


@numba.njit(cache=True, parallel=True, fastmath=FASTMATH)
def advance(el, t_s, dt_s, sun_u, sun_d, p, state, acc, fleet_blocks, ts_lit, ts_power, ts_soc, ts_trad, ts_compute,
            ts_heat, pos, vel, pos_given, pos_stride, pos_first):
    """Advance every satellite of the chunk through the window's steps.

    ``ts_*`` (n_sat, n_t) are written only when they have that shape (pass empty arrays otherwise);
    ``ts_compute`` is the share of the accelerators running (after both throttles), ``ts_heat`` the
    share the thermal throttle alone leaves (the workload stage tells heat from eclipse by them);
    ``pos`` (n_sat, n_pos, 3) receives the positions of steps pos_first, pos_first + pos_stride, ...
    when it has n_sat rows. With ``pos_given`` the positions are read from ``pos`` (n_sat, n_t, 3; the SGP4 path,
    with velocities in ``vel``) instead of computed by the fast propagator. ``fleet_blocks`` is
    (n_blocks, n_t, N_FLEET).

    A step whose given position is NaN (SGP4 failed there) is not flown: the satellite's state
    stands still, it adds nothing to the fleet series nor to its reductions (``A_STEPS_S`` counts the
    steps flown), and its series show NaN. An eclipse is a run of consecutive steps each with some
    darkness; its length is the sum of their dark shares (``(1 - lit) dt``), so the longest eclipse
    agrees with the per-step sunlit shares whatever the boundary steps' shares are.
    """
    n_sat = el.shape[0]
    n_t = t_s.size
    n_blocks = fleet_blocks.shape[0]
    want_ts = ts_lit.shape[0] == n_sat and n_sat > 0
    want_pos = pos.shape[0] == n_sat and n_sat > 0
    hours = dt_s / SECONDS_PER_HOUR
    half_step = 0.5 * dt_s
    reject_km = EARTH_RADIUS_KM + PENUMBRA_MARGIN_KM + MAX_SPEED_KM_S * half_step
    # parameters as locals (the compiler cannot keep array reads out of the loop itself)
    conical = p[sc.CONICAL]
    daylight_eff = p[sc.DAYLIGHT_EFF]
    charge_eff = p[sc.CHARGE_EFF]
    discharge_eff = p[sc.DISCHARGE_EFF]
    bus_w = p[sc.BUS_W]
    it_draw_w = p[sc.IT_DRAW_W]
    it_power_w = p[sc.IT_POWER_W]
    chip_limit = p[sc.CHIP_LIMIT_K]
    band = p[sc.THROTTLE_BAND_K]
    cap = p[sc.BATTERY_WH]
    floor = p[sc.BATTERY_FLOOR_WH]
    eps_wh = ENERGY_EPS * max(cap, 1.0)
    inv_cap = 1.0 / cap if cap > 0.0 else 0.0
    g1 = p[sc.G_CHIP_COOLANT]
    g2 = p[sc.G_COOLANT_RADIATOR]
    c1 = p[sc.C_CHIP] / dt_s
    c2 = p[sc.C_COOLANT] / dt_s
    c3 = p[sc.C_RADIATOR] / dt_s
    b1 = c1 + g1
    w2 = -g1 / b1
    b2p = c2 + g1 + g2 + w2 * g1
    w3 = -g2 / b2p
    inv_b1 = 1.0 / b1
    inv_b2p = 1.0 / b2p
    inv_band = 1.0 / band
    inv_discharge = 1.0 / discharge_eff
    inv_it_draw = 1.0 / it_draw_w
    sigma_eps_area = p[sc.SIGMA] * p[sc.EMISSIVITY] * p[sc.SIDES] * p[sc.RADIATOR_AREA_M2]
    earth_ir_w = p[sc.EMISSIVITY] * p[sc.SIGMA] * p[sc.EARTH_IR_T_K] ** 4 * p[sc.EARTH_VIEW] * p[sc.RADIATOR_AREA_M2]
    # what changes with time only: Sun distance and array age, once per step for the whole chunk
    array_w = np.empty(n_t)
    sun_w = np.empty(n_t)  # absorbed sunlight on the radiator when lit (W)
    albedo_w = np.empty(n_t)  # absorbed albedo at the sub-solar point (W), times cos(zenith)
    year_s = HOURS_PER_YEAR * SECONDS_PER_HOUR
    for k in range(n_t):
        flux = (AU_KM / sun_d[k]) ** 2
        age = p[sc.ARRAY_AGE_YEARS] + t_s[k] / year_s
        array_w[k] = p[sc.P_ARRAY_BOL_W] * (1.0 - p[sc.DEGRADATION_PER_YEAR]) ** age * p[sc.COS_INCIDENCE] * flux
        s_abs = p[sc.ABSORPTIVITY] * p[sc.SOLAR_CONSTANT] * flux * p[sc.RADIATOR_AREA_M2]
        sun_w[k] = s_abs * p[sc.SOLAR_VIEW]
        albedo_w[k] = s_abs * p[sc.ALBEDO] * p[sc.EARTH_VIEW]
    for b in numba.prange(n_blocks):
        lo = b * n_sat // n_blocks
        hi = (b + 1) * n_sat // n_blocks
        for i in range(lo, hi):
            e_wh = state[i, S_ENERGY_WH]
            tc = state[i, S_T_CHIP]
            tl = state[i, S_T_COOLANT]
            tr = state[i, S_T_RADIATOR]
            lit_prev = state[i, S_LIT]
            run_s = state[i, S_ECLIPSE_RUN_S]
            sunlit_s = generated_wh = consumed_wh = compute_s = throttled_s = flown_s = 0.0
            eclipses = 0.0
            longest = acc[i, A_LONGEST_ECLIPSE_S]
            min_soc = acc[i, A_MIN_SOC]
            max_chip = acc[i, A_MAX_CHIP_K]
            max_radiator_k = acc[i, A_MAX_RADIATOR_K]
            min_radiator_k = acc[i, A_MIN_RADIATOR_K]
            next_pos = pos_first  # the next step whose position is sampled for the models
            circular = (not pos_given) and is_circular(el, i)
            su = cu = sn = cn = sdu = cdu = sdn = cdn = 0.0
            consts = circular_constants(el, i)
            if circular:
                u0, n0, du, dn = circular_angles(el, i, t_s[0])
                su, cu, sn, cn = math.sin(u0), math.cos(u0), math.sin(n0), math.cos(n0)
                sdu, cdu, sdn, cdn = math.sin(du * dt_s), math.cos(du * dt_s), math.sin(dn * dt_s), math.cos(dn * dt_s)
            for k in range(n_t):
                if pos_given:
                    x, y, z = pos[i, k, 0], pos[i, k, 1], pos[i, k, 2]
                    vx, vy, vz = vel[i, k, 0], vel[i, k, 1], vel[i, k, 2]
                elif circular:
                    x, y, z, vx, vy, vz = circular_position(consts, su, cu, sn, cn)
                    su, cu = su * cdu + cu * sdu, cu * cdu - su * sdu
                    sn, cn = sn * cdn + cn * sdn, cn * cdn - sn * sdn
                else:
                    x, y, z, vx, vy, vz = state_at(el, i, t_s[k])
                if want_pos and not pos_given and k == next_pos:
                    kk = (k - pos_first) // pos_stride
                    pos[i, kk, 0], pos[i, kk, 1], pos[i, kk, 2] = x, y, z
                    next_pos += pos_stride
                if pos_given and x != x:  # SGP4 failed at this step: not flown
                    if want_ts:
                        ts_lit[i, k] = math.nan
                        ts_power[i, k] = math.nan
                        ts_soc[i, k] = e_wh * inv_cap if cap > 0.0 else 1.0
                        ts_trad[i, k] = tr
                        ts_compute[i, k] = math.nan
                        ts_heat[i, k] = math.nan
                    continue
                sx, sy, sz = sun_u[k, 0], sun_u[k, 1], sun_u[k, 2]
                lit = illumination(x, y, z, vx, vy, vz, sx, sy, sz, sun_d[k], conical, half_step, reject_km)
                # power: the array through the daylight path; compute wanted unless the chips are too hot
                p_array = array_w[k] * lit
                avail = p_array * daylight_eff
                f = 1.0
                if tc > chip_limit:
                    f = max(0.0, 1.0 - (tc - chip_limit) * inv_band)
                f_heat = f
                load = bus_w + f * it_draw_w
                if avail >= load:
                    e_wh = min(cap, e_wh + (avail - load) * charge_eff * hours)
                else:
                    draw_wh = (load - avail) * inv_discharge * hours
                    if e_wh - draw_wh >= floor - eps_wh:
                        e_wh -= draw_wh
                    else:
                        give_w = max(0.0, e_wh - floor) * discharge_eff / hours
                        f = min(f, max(0.0, (avail + give_w - bus_w) * inv_it_draw))
                        load = bus_w + f * it_draw_w
                        e_wh = max(floor, e_wh - max(0.0, load - avail) / discharge_eff * hours)
                # thermal: backward Euler on chips -> coolant -> radiator, radiation linearised
                absorbed = earth_ir_w
                if lit > 0.0:
                    cos_zenith = (x * sx + y * sy + z * sz) / math.sqrt(x * x + y * y + z * z)
                    absorbed += lit * (sun_w[k] + albedo_w[k] * max(0.0, cos_zenith))
                kr = sigma_eps_area * tr * tr * tr
                d1 = c1 * tc + load
                d2p = c2 * tl - w2 * d1
                b3p = c3 + g2 + 4.0 * kr + w3 * g2
                d3p = c3 * tr + 3.0 * kr * tr + absorbed - w3 * d2p
                tr = d3p / b3p
                tl = (d2p + g2 * tr) * inv_b2p
                tc = (d1 + g1 * tl) * inv_b1
                # reductions
                sunlit_s += lit * dt_s
                generated_wh += p_array * hours
                consumed_wh += load * hours
                compute_s += f * dt_s
                if f < 1.0 - 1e-9:
                    throttled_s += dt_s
                soc = e_wh * inv_cap if cap > 0.0 else 1.0
                min_soc = min(min_soc, soc)
                max_chip = max(max_chip, tc)
                max_radiator_k = max(max_radiator_k, tr)
                min_radiator_k = min(min_radiator_k, tr)
                flown_s += dt_s
                shadow = 0.0
                if lit < LIT_THRESHOLD:
                    shadow = 1.0
                    if lit_prev >= LIT_THRESHOLD:
                        eclipses += 1.0
                dark = 1.0 - lit
                if dark > DARK_EPS:
                    if 1.0 - lit_prev <= DARK_EPS:  # the first step of an eclipse
                        run_s = 0.0
                    run_s += dark * dt_s
                    longest = max(longest, run_s)
                lit_prev = lit
                fleet_blocks[b, k, F_IN_SHADOW] += shadow
                fleet_blocks[b, k, F_POWER_W] += p_array
                fleet_blocks[b, k, F_COMPUTE] += f
                fleet_blocks[b, k, F_IT_POWER_W] += f * it_power_w
                fleet_blocks[b, k, F_FLOWN] += 1.0
                if want_ts:
                    ts_lit[i, k] = lit
                    ts_power[i, k] = p_array
                    ts_soc[i, k] = soc
                    ts_trad[i, k] = tr
                    ts_compute[i, k] = f
                    ts_heat[i, k] = f_heat
            state[i, S_ENERGY_WH] = e_wh
            state[i, S_T_CHIP] = tc
            state[i, S_T_COOLANT] = tl
            state[i, S_T_RADIATOR] = tr
            state[i, S_LIT] = lit_prev
            state[i, S_ECLIPSE_RUN_S] = run_s
            acc[i, A_SUNLIT_S] += sunlit_s
            acc[i, A_GENERATED_WH] += generated_wh
            acc[i, A_CONSUMED_WH] += consumed_wh
            acc[i, A_COMPUTE_S] += compute_s
            acc[i, A_THROTTLED_S] += throttled_s
            acc[i, A_STEPS_S] += flown_s
            acc[i, A_ECLIPSES] += eclipses
            acc[i, A_LONGEST_ECLIPSE_S] = longest
            acc[i, A_MIN_SOC] = min_soc
            acc[i, A_MAX_CHIP_K] = max_chip
            acc[i, A_MAX_RADIATOR_K] = max_radiator_k
            acc[i, A_MIN_RADIATOR_K] = min_radiator_k
