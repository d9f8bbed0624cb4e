"""Opens a borderchange run's QGIS project in real QGIS (headless) and checks
that it is what the run says it is.

Usage: python3 check_project.py OUTPUT_DIR [--render PNG]

Checks: the project reads; every layer is valid; feature counts match
report.json; each layer is categorised on the expected field with a category
for every value present; temporal properties are active; the project measures
on the WGS84 ellipsoid in km²; QGIS's own $area of every transfer agrees with
the area_km2 field within 0.01%; the GeoPackage's stored styles and the .qml
files beside the shapefiles are applied when a layer is opened on its own.
Prints one line per check and exits 1 if any fails.
"""

import json
import os
import sys

from qgis.core import (
    QgsApplication,
    QgsDistanceArea,
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
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
