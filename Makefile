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
# DejaVu fonts label the PNG maps.
DEB_BUILD := libgdal-dev libproj-dev pkg-config clang libclang-dev gdal-bin fonts-dejavu-core
DEB_DATA := gmt gmt-dcw gmt-gshhg-full geographiclib-tools
# The tests open the QGIS project in real QGIS and the HTML report in real
# Chromium, both headless.
DEB_TEST := qgis python3-qgis qgis-providers chromium

.PHONY: deps deps-data deps-test run test check data bench

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

# Tests that need QGIS or Chromium are #[ignore]d in a plain `cargo test`;
# here (and so in CI) they run with the rest.
test: deps-test
	cargo test --locked -- --include-ignored

# borderchange against the same pipeline in GeoPandas (bench/reference.py),
# on the bundled data and generated coarser and denser copies; BENCHMARKS.md.
bench: deps
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
