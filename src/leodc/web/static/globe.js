"use strict";
// The constellation on a CesiumJS globe: offline imagery (NaturalEarthII, shipped with Cesium), no Ion,
// no geocoder, no terrain. Each satellite is a point moving through its Earth-fixed samples, coloured
// by its sunlit share at the clock's time: yellow in sunlight, blue in shadow. The laser links of the
// sampled satellites are lines between them and their link neighbours, drawn while the network stage's
// model keeps them live (in range, clear of the Earth plus the margin).

const runId = runIdFromPath();
window.CESIUM_BASE_URL = "/cesium/";

function fail(message) {
  window.leodcGlobeError = message;
  document.getElementById("message").replaceChildren(el("div", { class: "error" }, message));
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

function loadCss(href) {
  document.head.append(el("link", { rel: "stylesheet", href }));
}

async function main() {
  document.getElementById("run-link").href = `/runs/${encodeURIComponent(runId)}`;
  document.getElementById("title").textContent = `Globe · ${runId}`;
  let info, globe, network;
  try {
    const max = new URLSearchParams(location.search).get("max_satellites");
    const query = max ? `?max_satellites=${encodeURIComponent(max)}` : "";
    [info, globe] = await Promise.all([api("/api/info"),
      api(`/api/runs/${encodeURIComponent(runId)}/globe${query}`)]);
  } catch (e) {
    fail(e.message);
    return;
  }
  try {  // the network stage's paths; a run stored without them still shows its satellites
    network = await api(`/api/runs/${encodeURIComponent(runId)}/network`);
  } catch (e) {
    network = { pairs: [] };
  }
  const note = document.getElementById("sample-note");
  note.hidden = false;
  note.textContent = globe.is_sample
    ? `Sample: ${globe.note} (the fleet has ${globe.fleet_satellites.toLocaleString("en-US")}); `
      + `${globe.times.length} steps of ${globe.step_s} s.`
    : `${globe.note}; ${globe.times.length} steps of ${globe.step_s} s.`;
  const laser = globe.laser_links || { links: [], neighbours: [], note: "none served" };
  note.textContent += ` Laser links (cyan lines): ${laser.note}.`;
  if (!info.cesium_available) {
    fail("CesiumJS is not installed on this server, so the globe cannot be drawn. "
      + "Run `make web` (it installs the npm package cesium into .cache/cesium), then restart `leodc serve`.");
    return;
  }
  try {
    loadCss("/cesium/Widgets/widgets.css");
    await loadScript("/cesium/Cesium.js");
    const { viewer, tracks } = draw(globe);
    drawPaths(viewer, network);
    drawLaserLinks(viewer, globe, laser, tracks);
    await globeReady(viewer);
  } catch (e) {
    fail(`The globe could not be drawn: ${e.message}`);
  }
}

function draw(globe) {
  Cesium.Ion.defaultAccessToken = "";  // never ask Cesium ion for anything
  const imagery = Cesium.ImageryLayer.fromProviderAsync(
    Cesium.TileMapServiceImageryProvider.fromUrl(Cesium.buildModuleUrl("Assets/Textures/NaturalEarthII")));
  const viewer = new Cesium.Viewer("cesium", {
    baseLayer: imagery,
    baseLayerPicker: false,
    geocoder: false,
    terrainProvider: new Cesium.EllipsoidTerrainProvider(),
    sceneModePicker: false,
    navigationHelpButton: false,
    infoBox: true,
    contextOptions: { webgl: { preserveDrawingBuffer: true } },
  });
  window.leodcViewer = viewer;
  const tracks = new Map();  // satellite id: its sampled position, for the laser links' ends
  viewer.scene.globe.enableLighting = true;  // day and night from Cesium's own Sun: the terminator shows

  const times = globe.times.map((t) => Cesium.JulianDate.fromIso8601(t));
  const start = times[0], stop = times[times.length - 1];
  const sunColor = Cesium.Color.fromCssColorString("#ffd21f");
  const shadowColor = Cesium.Color.fromCssColorString("#3f7fff");

  for (const sat of globe.satellites) {
    const position = sampledTrack(sat.time_index.map((i) => times[i]), sat.positions_km);
    tracks.set(sat.sat_id, position);
    const lit = sat.sunlit;
    const scratch = new Cesium.Color();
    const color = new Cesium.CallbackProperty((time) => {
      const s = Cesium.JulianDate.secondsDifference(time, start);
      const k = Math.min(lit.length - 1, Math.max(0, Math.round(s / (globe.step_s || 1))));
      return Cesium.Color.lerp(shadowColor, sunColor, lit[k], scratch);
    }, false);
    viewer.entities.add({
      id: `sat-${sat.sat_id}`,
      name: `satellite ${sat.sat_id}`,
      availability: new Cesium.TimeIntervalCollection([new Cesium.TimeInterval({ start, stop })]),
      position,
      point: { pixelSize: 6, color, outlineColor: Cesium.Color.BLACK, outlineWidth: 1 },
      description: `satellite ${sat.sat_id}; sunlit share over the sample `
        + `${(lit.reduce((a, b) => a + b, 0) / lit.length).toFixed(2)}`,
    });
  }

  const clock = viewer.clock;
  clock.startTime = start.clone();
  clock.stopTime = stop.clone();
  clock.currentTime = start.clone();
  clock.clockRange = Cesium.ClockRange.LOOP_STOP;
  clock.multiplier = 60;
  clock.shouldAnimate = true;
  if (viewer.timeline) viewer.timeline.zoomTo(start, stop);
  return { viewer, tracks };
}

// Ready once the globe's tiles are in and a frame has been drawn with everything on it.
async function globeReady(viewer) {
  await new Promise((resolve) => {
    const deadline = Date.now() + 30000;
    const remove = viewer.scene.postRender.addEventListener(() => {
      if (viewer.scene.globe.tilesLoaded || Date.now() > deadline) { remove(); resolve(); }
    });
  });
  window.leodcGlobeReady = true;
}

// A satellite's Earth-fixed track (km samples) as a position that moves with the clock.
function sampledTrack(sampleTimes, positionsKm) {
  const position = new Cesium.SampledPositionProperty(Cesium.ReferenceFrame.FIXED);
  position.setInterpolationOptions({ interpolationDegree: 5,
    interpolationAlgorithm: Cesium.LagrangePolynomialApproximation });
  position.addSamples(sampleTimes,
    positionsKm.map(([x, y, z]) => new Cesium.Cartesian3(x * 1000, y * 1000, z * 1000)));
  return position;
}

// The laser links of the sampled satellites: a straight line between the two ends' tracks, available
// over the steps the network stage's model keeps the link live (each step stands for the half step
// either side of it, as the satellites' colours do), so a link shows and clears as the clock runs.
function drawLaserLinks(viewer, globe, laser, tracks) {
  const times = globe.times.map((t) => Cesium.JulianDate.fromIso8601(t));
  const last = times.length - 1;
  const halfStepS = (globe.step_s || 0) / 2;
  for (const end of laser.neighbours) {
    if (!tracks.has(end.sat_id)) tracks.set(end.sat_id, sampledTrack(times, end.positions_km));
  }
  const color = Cesium.Color.fromCssColorString("#3fe0ff").withAlpha(0.8);
  let drawn = 0;
  for (const link of laser.links) {
    const a = tracks.get(link.a), b = tracks.get(link.b);
    if (!a || !b) continue;
    const live = link.live_steps.map(([first, stop]) => new Cesium.TimeInterval({
      start: first === 0 ? times[0] : Cesium.JulianDate.addSeconds(times[first], -halfStepS, new Cesium.JulianDate()),
      stop: stop === last ? times[last] : Cesium.JulianDate.addSeconds(times[stop], halfStepS, new Cesium.JulianDate()),
    }));
    viewer.entities.add({
      id: `laser-${link.a}-${link.b}`,
      name: `laser link ${link.a} – ${link.b}`,
      availability: new Cesium.TimeIntervalCollection(live),
      polyline: { positions: new Cesium.PositionPropertyArray([a, b]), width: 1.5, arcType: Cesium.ArcType.NONE,
        material: color },
    });
    drawn += 1;
  }
  window.leodcLaserLinks = drawn;
}

// The chosen pair's path at the clock's time: ground site, the satellites it crosses, ground site (the
// network stage's shortest path by light time at that step); nothing where the pair had no path.
function drawPaths(viewer, network) {
  if (!network.pairs || !network.pairs.length) return;
  const select = document.getElementById("pair");
  network.pairs.forEach((p, i) => select.append(el("option", { value: String(i) }, p.pair)));
  document.getElementById("pair-choice").hidden = false;
  const rttNote = document.getElementById("pair-rtt");
  const scratch = [];
  const stepAt = (pair, time) => {
    const t0 = Cesium.JulianDate.fromIso8601(pair.times[0]);
    const step = pair.times.length > 1
      ? Cesium.JulianDate.secondsDifference(Cesium.JulianDate.fromIso8601(pair.times[1]), t0) : 1;
    const s = Cesium.JulianDate.secondsDifference(time, t0);
    return Math.min(pair.times.length - 1, Math.max(0, Math.round(s / step)));
  };
  const positions = new Cesium.CallbackProperty((time) => {
    const pair = network.pairs[Number(select.value)];
    const k = stepAt(pair, time);
    const rtt = pair.rtt_ms[k];
    rttNote.textContent = rtt === null ? "no path at this step" : `round trip ${rtt.toFixed(1)} ms`;
    scratch.length = 0;
    for (const [x, y, z] of pair.paths_km[k]) scratch.push(new Cesium.Cartesian3(x * 1000, y * 1000, z * 1000));
    return scratch;
  }, false);
  viewer.entities.add({
    id: "pair-path",
    name: "the chosen pair's path",
    polyline: { positions, width: 3, material: Cesium.Color.fromCssColorString("#ff4fa3") },
  });
  window.leodcPairPaths = network.pairs.length;
}

main();
