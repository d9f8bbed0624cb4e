//! Plain data shared by every stage: snapshots and their holders, rivers,
//! reference figures, and what the analysis computes from them. No GDAL,
//! no PROJ: coordinates are always longitude/latitude on WGS84, in degrees.

use geo::{LineString, MultiLineString, MultiPolygon};
use serde::{Deserialize, Serialize};

use crate::date::When;

/// The land one holder (a state, or a status such as `Joint`) holds in one
/// snapshot.
#[derive(Debug, Clone)]
pub struct Holding {
    /// Holder name as it appears in the holder field.
    pub state: String,
    /// All the holder's polygons in this snapshot, dissolved.
    pub geometry: MultiPolygon<f64>,
}

/// The border situation after one treaty.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// When the treaty was signed: the year, and the day where known.
    pub year: When,
    /// The treaty that made this situation (e.g. `Nerchinsk`).
    pub treaty: String,
    /// Holdings sorted by holder name; each holder appears once.
    pub holdings: Vec<Holding>,
}

/// The longitude/latitude box of `holdings`; `None` when they have no
/// point.
pub fn extent<'a>(holdings: impl IntoIterator<Item = &'a Holding>) -> Option<geo::Rect<f64>> {
    use geo::BoundingRect;
    holdings
        .into_iter()
        .filter_map(|h| h.geometry.bounding_rect())
        .reduce(joint_rect)
}

/// The box around both `a` and `b`.
pub fn joint_rect(a: geo::Rect<f64>, b: geo::Rect<f64>) -> geo::Rect<f64> {
    geo::Rect::new(
        geo::Coord {
            x: a.min().x.min(b.min().x),
            y: a.min().y.min(b.min().y),
        },
        geo::Coord {
            x: a.max().x.max(b.max().x),
            y: a.max().y.max(b.max().y),
        },
    )
}

/// A named river line.
#[derive(Debug, Clone)]
pub struct River {
    /// River name from the name field (e.g. `Amur`).
    pub name: String,
    /// All features with this name, merged.
    pub geometry: MultiLineString<f64>,
}

/// Whether a boundary stretch follows a river or runs over land.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StretchKind {
    /// Follows a named river within the matching distance.
    River,
    /// Everything else.
    Land,
}

impl StretchKind {
    /// The value written to the `kind` field.
    pub fn as_str(self) -> &'static str {
        match self {
            StretchKind::River => "river",
            StretchKind::Land => "land",
        }
    }
}

/// One continuous run of the boundary between two holders.
#[derive(Debug, Clone)]
pub struct Stretch {
    /// The holder whose name sorts first.
    pub state_a: String,
    /// The holder whose name sorts second.
    pub state_b: String,
    /// River or land.
    pub kind: StretchKind,
    /// The river followed, for `StretchKind::River`.
    pub river: Option<String>,
    /// The line, longitude/latitude.
    pub line: LineString<f64>,
    /// Geodesic length on WGS84, km.
    pub length_km: f64,
}

/// Land that passed from one holder to another between two consecutive
/// snapshots.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// Holder in the earlier snapshot.
    pub from_state: String,
    /// Holder in the later snapshot.
    pub to_state: String,
    /// The earlier snapshot's year (and day, where known).
    pub from_year: When,
    /// The later snapshot's year (and day, where known).
    pub to_year: When,
    /// The treaty that made the later snapshot.
    pub treaty: String,
    /// The land transferred, longitude/latitude.
    pub geometry: MultiPolygon<f64>,
    /// Geodesic area on WGS84, km².
    pub area_km2: f64,
    /// Planar area in the equal-area cross-check projection, km².
    pub area_ea_km2: f64,
    /// The least and greatest area (km²) if the uncertain lines
    /// (`[[uncertainty]]`) moved anywhere within their bands; `None`
    /// without them (see [`crate::geometry::uncertainty`]).
    pub area_range_km2: Option<[f64; 2]>,
}

/// A snapshot of `year` from (holder, geometry) pairs, for tests.
#[cfg(test)]
pub(crate) fn snapshot(year: i32, holdings: Vec<(&str, MultiPolygon<f64>)>) -> Snapshot {
    Snapshot {
        year: When::year(year),
        treaty: format!("Treaty of {year}"),
        holdings: holdings
            .into_iter()
            .map(|(state, geometry)| Holding {
                state: state.to_owned(),
                geometry,
            })
            .collect(),
    }
}
