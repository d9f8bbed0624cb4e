//! Writing a run's layers to PostgreSQL/PostGIS through GDAL's driver: one
//! schema per run, and only the run's own tables in it replaced. The layers
//! are written into a fresh staging schema first, then moved into place in
//! one transaction, so the schema holds the old tables or the new ones,
//! never half of either.

use gdal::spatial_ref::SpatialRef;
use gdal::vector::sql::Dialect;
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};

use crate::error::{Error, Result};
use crate::io::write::{write_one, Layer};

/// The schema a run writes to when none is given.
pub const DEFAULT_SCHEMA: &str = "borderchange";

/// True for a name PostgreSQL takes as written, unquoted: lower-case
/// letters, digits and `_`, not starting with a digit, at most 63 bytes.
pub fn is_plain_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

pub use crate::config::redacted;

/// Writes `layers` as tables of `schema` in the database `connection`
/// (`PG:dbname=… host=…`), replacing tables of the same names there and
/// leaving every other table alone. The schema is created when missing.
pub fn write_layers(connection: &str, schema: &str, layers: &[Layer]) -> Result<()> {
    let label = std::path::PathBuf::from(redacted(connection));
    let gdal_error = |what: Option<String>| {
        let path = label.clone();
        move |source| Error::Gdal {
            path,
            layer: what,
            source,
        }
    };
    if !is_plain_identifier(schema) {
        return Err(Error::Usage(format!(
            "schema '{schema}' is not a plain PostgreSQL name: use lower-case letters, digits and '_' (at most 63), not starting with a digit"
        )));
    }
    super::capture_gdal_messages();
    let _ = super::take_gdal_failure();
    let mut dataset = Dataset::open_ex(
        connection,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_UPDATE,
            allowed_drivers: Some(&["PostgreSQL"]),
            ..DatasetOptions::default()
        },
    )
    .map_err(gdal_error(None))?;
    let staging = format!("{schema}_partial_{}", std::process::id());
    let sql = |dataset: &Dataset, query: &str| -> Result<()> {
        dataset
            .execute_sql(query, None, Dialect::DEFAULT)
            .map(|_| ())
            .map_err(gdal_error(Some(query.to_owned())))?;
        // The driver reports a failed statement as a message only.
        match super::take_gdal_failure() {
            Some(failure) => Err(Error::Usage(format!(
                "PostgreSQL '{}' refused \"{query}\": {failure}",
                label.display()
            ))),
            None => Ok(()),
        }
    };
    sql(
        &dataset,
        &format!("DROP SCHEMA IF EXISTS {staging} CASCADE; CREATE SCHEMA {staging}"),
    )?;
    let written = (|| -> Result<()> {
        let srs = SpatialRef::from_epsg(4326).map_err(gdal_error(None))?;
        for layer in layers {
            let staged = Layer {
                name: format!("{staging}.{}", layer.name),
                ..layer.clone()
            };
            write_one(
                &mut dataset,
                &label,
                &srs,
                &staged,
                false,
                (&["GEOMETRY_NAME=geom", "FID=fid", "LAUNDER=NO"], true),
            )?;
        }
        // One statement list, which PostgreSQL runs as one transaction.
        let mut swap = format!("CREATE SCHEMA IF NOT EXISTS {schema}; ");
        for layer in layers {
            swap.push_str(&format!(
                "DROP TABLE IF EXISTS {schema}.{name} CASCADE; ALTER TABLE {staging}.{name} SET SCHEMA {schema}; ",
                name = layer.name
            ));
        }
        swap.push_str(&format!("DROP SCHEMA {staging} CASCADE"));
        sql(&dataset, &swap)
    })();
    if written.is_err() {
        let _ = sql(
            &dataset,
            &format!("DROP SCHEMA IF EXISTS {staging} CASCADE"),
        );
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_passwords() {
        assert!(is_plain_identifier("borderchange_1858"));
        for bad in ["", "1858", "Public", "a;drop", "a.b", &"x".repeat(64)] {
            assert!(!is_plain_identifier(bad), "{bad}");
        }
        assert_eq!(
            redacted("PG:dbname=b password=secret host=h"),
            "PG:dbname=b password=*** host=h"
        );
    }
}
