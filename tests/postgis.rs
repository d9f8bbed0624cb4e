//! PostGIS in and out, against a real local server: a throwaway cluster
//! made with `initdb` in a temporary folder (as the `postgres` user when the
//! tests run as root), listening on a Unix socket in that folder only, and
//! stopped when the test ends, failed or not. Snapshots read from tables
//! and from queries give what the files give; the layers written to a
//! schema measure, by PostGIS's `ST_Area(geography)`, what `area_km2` says.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use borderchange::analysis::Analysis;
use borderchange::run::{run_with, Options};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ok(what: &str, out: Output) -> String {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A PostgreSQL server of its own, in a temporary folder; stopped (and the
/// folder removed) when dropped.
struct Server {
    bin: PathBuf,
    data: PathBuf,
    /// Run the server's programs as `postgres` (the tests run as root).
    as_postgres: bool,
    dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let versions = std::fs::read_dir("/usr/lib/postgresql")
            .expect("Debian's postgresql package (make test installs it)");
        let bin = versions
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("initdb").exists())
            .max()
            .expect("initdb in /usr/lib/postgresql/*/bin");
        let uid = ok("id -u", Command::new("id").arg("-u").output().unwrap());
        let as_postgres = uid.trim() == "0";
        let dir = tempfile::Builder::new()
            .prefix("borderchange-pg")
            .tempdir()
            .unwrap();
        let data = dir.path().join("data");
        if as_postgres {
            ok(
                "chown",
                Command::new("chown")
                    .args(["postgres:postgres"])
                    .arg(dir.path())
                    .output()
                    .unwrap(),
            );
        }
        let server = Server {
            bin,
            data,
            as_postgres,
            dir,
        };
        ok(
            "initdb",
            server
                .command("initdb")
                .arg("-D")
                .arg(&server.data)
                .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
                .output()
                .unwrap(),
        );
        let socket = server.dir.path().display().to_string();
        ok(
            "pg_ctl start",
            server
                .command("pg_ctl")
                .arg("-D")
                .arg(&server.data)
                .arg("-l")
                .arg(server.dir.path().join("log"))
                .arg("-w")
                .arg("-o")
                .arg(format!("-k {socket} -c listen_addresses='' -c fsync=off"))
                .arg("start")
                .output()
                .unwrap(),
        );
        server
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn connection(&self) -> String {
        format!(
            "PG:host={} dbname=postgres user=postgres",
            self.dir.path().display()
        )
    }

    fn psql(&self, sql: &str) -> String {
        ok(
            sql,
            Command::new(self.bin.join("psql"))
                .arg("-h")
                .arg(self.dir.path())
                .args([
                    "-U", "postgres", "-d", "postgres", "-At", "-F", ",", "-c", sql,
                ])
                .output()
                .unwrap(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

/// The bundled analysis file with `snapshots` (TOML) instead of its own.
fn bundled_with(w: &common::Workdir, name: &str, snapshots: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("borderchange.toml")).unwrap();
    let mut table: toml::Table = text.parse().unwrap();
    table.remove("snapshot");
    common::absolute_layer_paths(&mut table, &root());
    let mut out = toml::to_string(&table).unwrap();
    out.push('\n');
    out.push_str(snapshots);
    w.write(name, &out)
}

fn analyse(
    config: &Path,
    out: &Path,
    formats: &[String],
    connection: &str,
    schema: &str,
) -> Analysis {
    run_with(
        config,
        &Options {
            output_dir: Some(out),
            formats: Some(formats),
            connection: Some(connection),
            schema: Some(schema),
            ..Options::default()
        },
    )
    .unwrap_or_else(|e| panic!("{}: {e}", config.display()))
    .analysis
}

fn same(a: &Analysis, b: &Analysis) {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs());
    assert_eq!(a.transfers.len(), b.transfers.len());
    for (s, t) in a.transfers.iter().zip(&b.transfers) {
        assert_eq!((&s.from_state, &s.to_state), (&t.from_state, &t.to_state));
        assert!(
            close(s.area_km2, t.area_km2),
            "{} vs {}",
            s.area_km2,
            t.area_km2
        );
    }
    for (s, t) in a.areas.iter().zip(&b.areas) {
        assert!(close(s.area_km2, t.area_km2));
    }
    assert_eq!(a.stretches.len(), b.stretches.len());
    for (s, t) in a.stretches.iter().zip(&b.stretches) {
        assert!(close(s.stretch.length_km, t.stretch.length_km));
    }
}

#[test]
#[ignore = "needs PostgreSQL (make test runs it)"]
fn postgis_round_trip() {
    let server = Server::start();
    let conn = server.connection();
    server.psql("CREATE EXTENSION postgis");
    let years = [1689, 1727, 1858, 1860];
    for year in years {
        let file = root().join(format!("shapefiles/borders_{year}.shp"));
        ok(
            "ogr2ogr",
            Command::new("ogr2ogr")
                .args(["-f", "PostgreSQL", &conn])
                .arg(&file)
                .args([
                    "-nln",
                    &format!("borders_{year}"),
                    "-nlt",
                    "PROMOTE_TO_MULTI",
                    "-lco",
                    "GEOMETRY_NAME=geom",
                ])
                .output()
                .unwrap(),
        );
    }
    let w = common::Workdir::new();
    let files = borderchange::run::run(&root().join("borderchange.toml"), Some(&w.join("files")))
        .unwrap()
        .analysis;

    // Two snapshots from tables, two from queries.
    let treaties = ["Nerchinsk", "Kyakhta", "Aigun", "Peking"];
    let mut snapshots = String::new();
    for (i, (year, treaty)) in years.iter().zip(treaties).enumerate() {
        let source = if i < 2 {
            format!("layer = \"borders_{year}\"")
        } else {
            format!("sql = \"SELECT state, geom FROM borders_{year} ORDER BY ogc_fid\"")
        };
        snapshots.push_str(&format!(
            "[[snapshot]]\nyear = {year}\ntreaty = \"{treaty}\"\npath = \"{conn}\"\n{source}\n\n"
        ));
    }
    let config = bundled_with(&w, "pg.toml", &snapshots);
    // The run's schema holds a table of someone else's: it stays.
    server.psql("CREATE SCHEMA run1; CREATE TABLE run1.keep_me (x integer); INSERT INTO run1.keep_me VALUES (7)");
    let formats = ["GPKG".to_owned(), "PostgreSQL".to_owned()];
    let from_pg = analyse(&config, &w.join("pg"), &formats, &conn, "run1");
    same(&files, &from_pg);

    // PostGIS's own geodesic areas (ST_Area on geography: the WGS84
    // ellipsoid) against area_km2, feature by feature.
    for table in ["states", "transfers"] {
        let rows = server.psql(&format!(
            "SELECT area_km2, ST_Area(geom::geography) / 1e6 FROM run1.{table}"
        ));
        let (mut n, mut worst) = (0, 0.0f64);
        for row in rows.lines() {
            let (ours, postgis) = row.split_once(',').unwrap();
            let (ours, postgis): (f64, f64) = (ours.parse().unwrap(), postgis.parse().unwrap());
            let rel = (ours - postgis).abs() / postgis;
            assert!(rel < 1e-9, "{table}: {ours} vs PostGIS {postgis} ({rel:e})");
            worst = worst.max(rel);
            n += 1;
        }
        eprintln!("{table}: {n} features, largest difference from ST_Area(geography) {worst:e}");
        assert!(n >= 5, "{table}: {rows}");
    }
    let tables = server.psql(
        "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'run1'",
    );
    assert_eq!(
        tables.trim(),
        "boundaries keep_me places rivers snapshots_dated states transfers"
    );
    let states = server.psql("SELECT count(*) FROM run1.states");

    // A second run, from one dated query, replaces only the run's tables.
    let union: Vec<String> = years
        .iter()
        .enumerate()
        .map(|(i, y)| {
            let end = years
                .get(i + 1)
                .map_or("NULL".to_owned(), |e| e.to_string());
            format!("SELECT state, {y} AS valid_from, {end} AS valid_to, geom FROM borders_{y}")
        })
        .collect();
    let dated = format!(
        "[dated]\npath = \"{conn}\"\nsql = \"{}\"\nstart_field = \"valid_from\"\nend_field = \"valid_to\"\ndates = [{{ date = 1689, treaty = \"Nerchinsk\" }}, {{ date = 1727, treaty = \"Kyakhta\" }}, {{ date = 1858, treaty = \"Aigun\" }}, {{ date = 1860, treaty = \"Peking\" }}]\n",
        union.join(" UNION ALL ")
    );
    let config = bundled_with(&w, "dated.toml", &dated);
    let again = analyse(&config, &w.join("again"), &formats, &conn, "run1");
    same(&files, &again);
    assert_eq!(server.psql("SELECT x FROM run1.keep_me").trim(), "7");
    assert_eq!(server.psql("SELECT count(*) FROM run1.states"), states);
    // No staging schema is left behind.
    let schemas =
        server.psql("SELECT string_agg(nspname, ' ') FROM pg_namespace WHERE nspname LIKE 'run1%'");
    assert_eq!(schemas.trim(), "run1");
}

/// The PostgreSQL format without a database, or with a schema name that
/// would need quoting, is refused before any work.
#[test]
fn postgres_output_needs_a_connection_and_a_plain_schema() {
    let w = common::Workdir::new();
    let config = common::two_snapshots(&w, "");
    let c = config.to_str().unwrap();
    let out = w.run(&["run", c, "-o", "out", "--format", "PostgreSQL"]);
    assert_eq!(out.status.code(), Some(2));
    let m = String::from_utf8_lossy(&out.stderr);
    assert!(m.contains("--connection"), "{m}");
    let out = w.run(&[
        "run",
        c,
        "-o",
        "out",
        "--format",
        "pg",
        "--connection",
        "PG:dbname=x password=secret",
        "--schema",
        "Run;1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let m = String::from_utf8_lossy(&out.stderr);
    assert!(m.contains("'Run;1' is not a plain PostgreSQL name"), "{m}");
    assert!(!m.contains("secret"), "{m}");
    assert!(!w.join("out").exists());

    // A database that cannot be reached is named without its password.
    let config = w.write(
        "pg.toml",
        "[[snapshot]]\nyear = 1\ntreaty = \"a\"\npath = \"PG:host=/nonexistent dbname=x password=secret\"\nlayer = \"t\"\n\n[[snapshot]]\nyear = 2\ntreaty = \"b\"\npath = \"b1800.geojson\"\n",
    );
    let out = w.run(&["run", config.to_str().unwrap(), "-o", "out"]);
    assert_eq!(out.status.code(), Some(2));
    let m = String::from_utf8_lossy(&out.stderr);
    assert!(
        m.contains("PG:host=/nonexistent dbname=x password=***"),
        "{m}"
    );
    assert!(!m.contains("secret"), "{m}");
}
