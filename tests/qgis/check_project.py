"""Opens a borderchange run's QGIS project in real QGIS (headless) and checks
that it is what the run says it is.

Usage: python3 check_project.py OUTPUT_DIR [--render PNG]

Checks: the project reads; every layer is valid; feature counts match
report.json; each layer is categorised on the expected field with a category
for every value present; temporal properties are active; the project measures
on the WGS84 ellipsoid in km²; QGIS's own $area of every transfer agrees with
the area_km2 field within 0.01%; the GeoPackage's stored styles and the .qml
files beside the shapefiles are applied when a layer is opened on its own.

The Temporal Controller: the project's time range is read and the
controller opens animated; every frame it steps through (computed as QGIS
does, by QgsTemporalNavigationObject) is rendered's worth of features
counted per layer through the layers' own temporal filters: exactly the
snapshot that holds on the frame's first day has features drawn (all of
its states and boundaries), with the transfers of the step that made it;
a frame after the project's end draws none. Selected frames are rendered
and the labels QGIS placed are counted per layer (holders, places). The
print layouts: one per snapshot, each with a title, a legend, a scale bar
and the sources, its map showing that snapshot alone, exported to a
non-blank image.

Prints one line per check and exits 1 if any fails.
"""

import json
import os
import sys

from qgis.core import (
    QgsApplication,
    QgsDateTimeRange,
    QgsFeatureRequest,
    QgsInterval,
    QgsLabelingEngineSettings,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemScaleBar,
    QgsTemporalNavigationObject,
    QgsVectorLayerTemporalContext,
    QgsDistanceArea,
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsMapRendererParallelJob,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QSize, QTime, Qt
from qgis.PyQt.QtGui import QColor

FIELDS = {"states": "state", "boundaries": "kind", "transfers": "treaty", "rivers": "name"}
# The bundled context layer (shapefiles/context.shp, not in the GeoPackage):
# one grey category for all its features.
CONTEXT_FIELDS = {"context": "name"}
TEMPORAL = {"states", "boundaries", "transfers"}
AREA_TOLERANCE = 1e-4

failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def table_of(layer):
    source = layer.source()
    for part in source.split("|"):
        if part.startswith("layername="):
            return part[len("layername="):]
    return os.path.splitext(os.path.basename(source))[0]


def check_renderer(layer, label):
    table = table_of(layer)
    field = FIELDS.get(table, CONTEXT_FIELDS.get(table))
    renderer = layer.renderer()
    kind = renderer.type() if renderer else None
    check(kind == "categorizedSymbol", f"{label}: categorised renderer (found {kind})")
    if kind != "categorizedSymbol":
        return
    check(renderer.classAttribute() == field,
          f"{label}: categories on '{field}' (found '{renderer.classAttribute()}')")
    index = layer.fields().indexOf(field)
    present = {str(v) for v in layer.uniqueValues(index)} if index >= 0 else set()
    styled = {str(c.value()) for c in renderer.categories()}
    # A category of the empty value is QGIS's "all other values".
    missing = [] if "" in styled else sorted(present - styled)
    check(not missing, f"{label}: every value has a category (missing: {missing})")


def snapshot_start(label, dated):
    """The first moment the Temporal Controller shows a snapshot (1858 or
    1858-05-28): its day; with days, frames step by month from a 1st and
    show the situation on their first day, so a day within a month counts
    from the 1st of the next."""
    label = str(label)
    if "-" in label[1:]:
        y, m, d = (int(part) for part in label.split("-"))
    else:
        y, m, d = int(label), 1, 1
    if dated and d != 1:
        y, m, d = (y + 1, 1, 1) if m == 12 else (y, m + 1, 1)
    return QDateTime(QDate(y, m, d), QTime(0, 0), Qt.UTC)


def drawn(project, layer, frame):
    """How many of the layer's features QGIS draws in `frame`: none when it
    is switched off, else those its temporal filter for the frame keeps."""
    node = project.layerTreeRoot().findLayer(layer.id())
    if node is None or not node.isVisible():
        return 0
    request = QgsFeatureRequest()
    props = layer.temporalProperties()
    if props.isActive():
        context = QgsVectorLayerTemporalContext()
        context.setLayer(layer)
        request.setFilterExpression(props.createFilterString(context, frame))
    return sum(1 for _ in layer.getFeatures(request))


def text_of(frame):
    return f"{frame.begin().toString(Qt.ISODate)[:10]}..{frame.end().toString(Qt.ISODate)[:10]}"


def render(settings):
    """Renders; returns the image and the labelled features per layer id."""
    # Labels that found no room count too: a feature drawn is labelled.
    engine = settings.labelingEngineSettings()
    engine.setFlag(QgsLabelingEngineSettings.DrawUnplacedLabels, True)
    settings.setLabelingEngineSettings(engine)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    labelled = {}
    results = job.takeLabelingResults()
    for label in results.allLabels() if results else []:
        labelled.setdefault(label.layerID, set()).add(label.featureId)
    return job.renderedImage(), {k: len(v) for k, v in labelled.items()}


def ink(image):
    """The share of sampled pixels that are not white."""
    step = 4
    total = inked = 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            total += 1
            if QColor(image.pixel(x, y)).lightness() < 250:
                inked += 1
    return inked / max(total, 1)


class Snapshots:
    """What report.json says each snapshot holds, by its label."""

    def __init__(self, report):
        self.dated = any("date" in row for row in report["areas"])
        self.states, self.boundaries, self.transfers = {}, {}, {}
        for row in report["areas"]:
            label = str(row.get("date", row["year"]))
            self.states[label] = self.states.get(label, 0) + 1
        for row in report["stretches"]:
            label = str(row.get("date", row["year"]))
            self.boundaries[label] = self.boundaries.get(label, 0) + 1
        for row in report["transfers"]:
            label = str(row.get("to_date", row["to_year"]))
            self.transfers[label] = self.transfers.get(label, 0) + 1
        self.labels = sorted(self.states, key=lambda l: snapshot_start(l, self.dated).toMSecsSinceEpoch())
        # Set from the GeoPackage by main(); the Rust test checks the number.
        self.places = 0

    def start(self, label):
        return snapshot_start(label, self.dated)

    def at(self, moment):
        """The snapshot that holds at `moment`."""
        holding = None
        for label in self.labels:
            if self.start(label) <= moment:
                holding = label
        return holding


def settings_for(project, layers, size):
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(project.crs())
    settings.setTransformContext(project.transformContext())
    settings.setEllipsoid(project.ellipsoid())
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setOutputSize(size)
    # The extent the project opens on (the study region, in the map CRS).
    extent = project.viewSettings().defaultViewExtent()
    if extent.isEmpty():
        extent = QgsRectangle()
        for layer in layers:
            extent.combineExtentWith(settings.layerExtentToOutputExtent(layer, layer.extent()))
    settings.setExtent(extent.buffered(extent.width() * 0.02))
    return settings


def check_time(project, snapshots):
    """The Temporal Controller, frame by frame."""
    time = project.timeSettings()
    span = time.temporalRange()
    check(span.begin().isValid() and span.end().isValid(),
          f"project time range read ({text_of(span)})")
    first = snapshots.start(snapshots.labels[0])
    check(span.begin() == first, f"time range begins with the first snapshot ({first.toString(Qt.ISODate)})")
    check(span.end() > snapshots.start(snapshots.labels[-1]),
          f"time range ends after the last snapshot ({span.end().toString(Qt.ISODate)})")
    mode, ok = project.readNumEntry("TemporalControllerWidget", "/NavigationMode", 0)
    check(ok and mode == QgsTemporalNavigationObject.Animated,
          f"Temporal Controller opens animated (mode {mode})")
    root = project.layerTreeRoot()
    for label in snapshots.labels:
        node = root.findLayer(f"states_{label}")
        check(node is not None and node.isVisible(), f"states_{label}: switched on")

    nav = QgsTemporalNavigationObject()
    nav.setNavigationMode(QgsTemporalNavigationObject.Animated)
    nav.setTemporalExtents(span)
    nav.setFrameDuration(QgsInterval(time.timeStep(), time.timeStepUnit()))
    frames = [nav.dateTimeRangeForFrameNumber(i) for i in range(nav.totalFrameCount())]
    check(len(frames) > 1, f"the Temporal Controller has frames ({len(frames)})")
    if len(frames) < 2:
        return
    step = frames[1].begin() if len(frames) > 1 else span.end()
    after = QgsDateTimeRange(span.end(), span.end().addSecs(first.secsTo(step)), True, False)

    # QGIS counts a month as 30 days and a year as 365.25 when it counts
    # the frames, but steps by the calendar: a long monthly range gets a
    # few frames after its end, which show nothing.
    beyond = sum(1 for f in frames if f.begin() >= span.end())
    print(f"      {len(frames)} frames, {beyond} after the range's end")
    shown = {}
    for frame in frames:
        holding = snapshots.at(frame.begin()) if frame.begin() < span.end() else None
        shown[holding] = shown.get(holding, 0) + 1
    # Every frame of a short range; of a long one (months) those around
    # each change and the end, and one a year.
    checked = range(len(frames))
    if len(frames) > 400:
        near = set(range(0, len(frames), 12)) | set(range(len(frames) - 40, len(frames)))
        for i, frame in enumerate(frames):
            if any(frame.begin() == snapshots.start(label) for label in snapshots.labels):
                near.update(range(max(i - 2, 0), min(i + 3, len(frames))))
        checked = sorted(near)
    layers = project.mapLayers()
    kinds = {"states": snapshots.states, "boundaries": snapshots.boundaries}
    wrong = []
    for frame in [frames[i] for i in checked] + [after]:
        holding = snapshots.at(frame.begin()) if frame.begin() < span.end() else None
        for kind, counts in kinds.items():
            for label in snapshots.labels:
                layer = layers.get(f"{kind}_{label}")
                count = drawn(project, layer, frame) if layer else -1
                expected = counts.get(label, 0) if label == holding else 0
                if count != expected:
                    wrong.append(f"{text_of(frame)} {kind}_{label}: {count} drawn, expected {expected}")
        transfers = layers.get("transfers_layer")
        if transfers is not None:
            count = drawn(project, transfers, frame)
            expected = snapshots.transfers.get(holding, 0) if holding else 0
            if count != expected:
                wrong.append(f"{text_of(frame)} transfers: {count} drawn, expected {expected} (of the step to {holding})")
    for line in wrong[:20]:
        print("      " + line)
    check(not wrong, f"{len(checked)} of {len(frames)} frames and one after the end: each draws exactly the states and "
                     f"boundaries of the snapshot holding on its first day and the transfers that made it "
                     f"({len(wrong)} wrong)")
    check(all(shown.get(label, 0) > 0 for label in snapshots.labels),
          f"every snapshot has frames: {[(l, shown.get(l, 0)) for l in snapshots.labels]}")

    # Rendered: each snapshot's first frame and the frame before it, and
    # the last frame; holders' and places' labels counted as QGIS placed them.
    visible = [l.layer() for l in root.findLayers() if l.isVisible()]
    picks = {0, max(i for i, f in enumerate(frames) if f.begin() < span.end())}
    for label in snapshots.labels:
        for i, frame in enumerate(frames):
            if frame.begin() == snapshots.start(label):
                picks.update({i, max(i - 1, 0)})
    for i in sorted(picks):
        frame = frames[i]
        holding = snapshots.at(frame.begin())
        settings = settings_for(project, visible, QSize(700, 450))
        settings.setIsTemporal(True)
        settings.setTemporalRange(frame)
        image, labelled = render(settings)
        states = {k: v for k, v in labelled.items() if k.startswith("states_")}
        expected = {f"states_{holding}": snapshots.states[holding]}
        ok = states == expected
        if "places_layer" in layers:
            ok = ok and labelled.get("places_layer", 0) == snapshots.places
        share = ink(image)
        check(ok and share > 0.05,
              f"frame {text_of(frame)} rendered ({share:.0%} ink): holders labelled {states}, expected {expected}; "
              f"places labelled {labelled.get('places_layer', 0)} of {snapshots.places}")


def check_layouts(project, snapshots, render_to):
    """A print layout per snapshot, its map showing that snapshot alone."""
    layouts = project.layoutManager().printLayouts()
    check(len(layouts) == len(snapshots.labels),
          f"{len(layouts)} print layouts for {len(snapshots.labels)} snapshots")
    layers = project.mapLayers()
    for n, layout in enumerate(layouts):
        items = layout.items()
        maps = [i for i in items if isinstance(i, QgsLayoutItemMap)]
        legends = [i for i in items if isinstance(i, QgsLayoutItemLegend)]
        bars = [i for i in items if isinstance(i, QgsLayoutItemScaleBar)]
        texts = [i.text() for i in items if isinstance(i, QgsLayoutItemLabel)]
        name = layout.name()
        check(len(maps) == 1 and len(legends) == 1 and len(bars) == 1,
              f"layout {name}: a map, a legend, a scale bar ({len(maps)}, {len(legends)}, {len(bars)})")
        check(any(project.title() in t for t in texts) and any("Borders:" in t or "Areas" in t for t in texts),
              f"layout {name}: title and sources ({[t[:40] for t in texts]})")
        if len(maps) != 1:
            continue
        m = maps[0]
        ids = [l.id() for l in m.layers()]
        states = [i for i in ids if i.startswith("states_")]
        check(len(states) == 1 and m.isTemporal(), f"layout {name}: map of one snapshot at its time ({states})")
        if len(states) != 1:
            continue
        label = states[0][len("states_"):]
        frame = m.temporalRange()
        check(snapshots.at(frame.begin()) == label,
              f"layout {name}: the map's time {text_of(frame)} is {label}'s")
        legend_ids = [l.layerId() for l in legends[0].model().rootGroup().findLayers()] if legends else []
        check(set(legend_ids) == set(ids) and bars[0].linkedMap() == m,
              f"layout {name}: legend of the map's layers ({legend_ids}), scale bar on the map")
        transfers = layers.get("transfers_layer")
        if transfers is not None and "transfers_layer" in ids:
            request = QgsFeatureRequest()
            context = QgsVectorLayerTemporalContext()
            context.setLayer(transfers)
            request.setFilterExpression(transfers.temporalProperties().createFilterString(context, frame))
            count = sum(1 for _ in transfers.getFeatures(request))
            check(count == snapshots.transfers.get(label, 0),
                  f"layout {name}: {count} transfers, the step to {label} has {snapshots.transfers.get(label, 0)}")
        image = QgsLayoutExporter(layout).renderPageToImage(0, QSize(1188, 840))
        share = ink(image)
        check(share > 0.1, f"layout {name}: exported page is drawn ({share:.0%} ink)")
        if render_to and n == len(layouts) - 1:
            image.save(render_to.replace(".png", "-layout.png"), "png")


def main():
    out = sys.argv[1]
    render = sys.argv[sys.argv.index("--render") + 1] if "--render" in sys.argv else None
    report = json.load(open(os.path.join(out, "report.json"), encoding="utf-8"))

    app = QgsApplication([], False)
    app.initQgis()
    project = QgsProject.instance()
    check(project.read(os.path.join(out, "borderchange.qgs")), "project reads")
    check(project.ellipsoid() == "EPSG:7030", f"ellipsoid WGS84 (found {project.ellipsoid()})")
    check(project.areaUnits() == QgsUnitTypes.AreaSquareKilometers, "area units km²")
    crs = project.crs()
    check(crs.isValid() and crs.description() not in ("", "unknown") and "Equal Area" in crs.description(),
          f"project CRS named: '{crs.description()}'")

    expected = {}
    # A snapshot's layers are named by its date where it has one.
    for row in report["areas"]:
        key = f"states_{row.get('date', row['year'])}"
        expected[key] = expected.get(key, 0) + 1
    for row in report["stretches"]:
        key = f"boundaries_{row.get('date', row['year'])}"
        expected[key] = expected.get(key, 0) + 1
    expected["transfers_layer"] = len(report["transfers"])

    layers = project.mapLayers()
    check(len(layers) >= 3, f"project has layers ({len(layers)})")
    for layer_id, layer in sorted(layers.items()):
        check(layer.isValid(), f"{layer_id}: valid")
        check(layer.crs().isValid() and layer.crs().authid() == "EPSG:4326",
              f"{layer_id}: CRS EPSG:4326 (found {layer.crs().authid()}, valid {layer.crs().isValid()})")
        if not layer.isValid():
            continue
        if layer_id in expected:
            count = layer.featureCount()
            check(count == expected[layer_id],
                  f"{layer_id}: {count} features, report says {expected[layer_id]}")
        if table_of(layer) == "places":
            kind = layer.renderer().type() if layer.renderer() else None
            check(kind == "singleSymbol", f"{layer_id}: one symbol (found {kind})")
        else:
            check_renderer(layer, layer_id)
        if table_of(layer) in TEMPORAL:
            check(layer.temporalProperties().isActive(), f"{layer_id}: temporal properties active")
            # The time range's expressions must evaluate to dates on the
            # layer's own fields (dates, or years made dates).
            props = layer.temporalProperties()
            start = QgsExpression(props.startExpression())
            end = QgsExpression(props.endExpression())
            context = QgsExpressionContext()
            context.appendScopes(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
            for feature in layer.getFeatures():
                context.setFeature(feature)
                begins, ends = start.evaluate(context), end.evaluate(context)
                check(begins is not None and ends is not None and begins < ends,
                      f"{layer_id}: time range {props.startExpression()} .. {props.endExpression()} "
                      f"gives {begins} .. {ends}")
                break

    transfers = layers.get("transfers_layer")
    if transfers is not None and transfers.isValid():
        context = QgsExpressionContext()
        context.appendScopes(QgsExpressionContextUtils.globalProjectLayerScopes(transfers))
        # As QGIS's field calculator does: the project's ellipsoid and units.
        calculator = QgsDistanceArea()
        calculator.setSourceCrs(transfers.crs(), project.transformContext())
        calculator.setEllipsoid(project.ellipsoid())
        area = QgsExpression("$area")
        area.setGeomCalculator(calculator)
        area.setAreaUnits(project.areaUnits())
        worst = 0.0
        for feature in transfers.getFeatures():
            context.setFeature(feature)
            qgis_km2 = area.evaluate(context)
            ours = feature["area_km2"]
            worst = max(worst, abs(qgis_km2 - ours) / ours)
            print(f"      {feature['treaty']} {feature['from_state']} -> {feature['to_state']}: "
                  f"QGIS $area {qgis_km2:.3f} km², area_km2 {ours:.3f}")
        check(worst <= AREA_TOLERANCE,
              f"transfers: QGIS $area agrees with area_km2 (worst {worst:.2e}, limit {AREA_TOLERANCE:.0e})")

    for table in FIELDS:
        if table == "rivers" and not project.mapLayersByName("rivers"):
            # No [rivers] in the analysis: no rivers layer anywhere.
            check(not os.path.exists(os.path.join(out, "rivers.shp")),
                  "no rivers layer without [rivers]")
            continue
        alone = QgsVectorLayer(f"{out}/borderchange.gpkg|layername={table}", table, "ogr")
        check(alone.isValid(), f"gpkg {table}: opens")
        if alone.isValid():
            check_renderer(alone, f"gpkg {table} (stored style)")
        shp = os.path.join(out, f"{table}.shp")
        if os.path.exists(shp):
            alone = QgsVectorLayer(shp, table, "ogr")
            check(alone.isValid(), f"{table}.shp: opens")
            if alone.isValid():
                check_renderer(alone, f"{table}.shp (.qml beside it)")

    snapshots = Snapshots(report)
    places_table = QgsVectorLayer(f"{out}/borderchange.gpkg|layername=places", "places", "ogr")
    snapshots.places = places_table.featureCount() if places_table.isValid() else 0
    check_time(project, snapshots)
    check_layouts(project, snapshots, render)
    places = layers.get("places_layer")
    if places is not None:
        check(places.featureCount() == snapshots.places and places.labelsEnabled(),
              f"places: {places.featureCount()} labelled, report says {snapshots.places}")
    states_layers = [l for i, l in layers.items() if i.startswith("states_")]
    check(states_layers and all(l.labelsEnabled() for l in states_layers), "holders labelled")

    if render:
        settings = QgsMapSettings()
        root = project.layerTreeRoot()
        visible = [l.layer() for l in root.findLayers() if l.isVisible()]
        settings.setLayers(visible)
        settings.setDestinationCrs(project.crs())
        settings.setTransformContext(project.transformContext())
        settings.setEllipsoid(project.ellipsoid())
        settings.setBackgroundColor(QColor(255, 255, 255))
        settings.setOutputSize(QSize(1400, 900))
        settings.setExtent(project.viewSettings().defaultViewExtent()
                           if not project.viewSettings().defaultViewExtent().isEmpty()
                           else visible[0].extent())
        extent = settings.extent()
        for layer in visible:
            extent.combineExtentWith(settings.layerExtentToOutputExtent(layer, layer.extent()))
        settings.setExtent(extent.buffered(extent.width() * 0.02))
        job = QgsMapRendererParallelJob(settings)
        job.start()
        job.waitForFinished()
        check(job.renderedImage().save(render, "png"), f"rendered {render}")

    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    # QGIS 3.22's teardown can crash when Python frees layers after
    # exitQgis(); every check is done, so leave without it.
    os._exit(1 if failures else 0)


main()
