//! The one font family every document and image is drawn in, found on the machine once.

use std::sync::Arc;

use resvg::usvg::fontdb::{self, Database, Family, Query, Weight};

use crate::Error;

/// Families tried in order: Arial's metric twins first, so charts drawn for "Arial" keep their
/// proportions, then common free families.
const PREFERRED: [&str; 5] = ["Liberation Sans", "Arial", "Helvetica", "DejaVu Sans", "Noto Sans"];

/// The font database and the family chosen from it, with the regular and bold faces' data kept for
/// measuring text.
#[derive(Clone)]
pub struct Fonts {
    database: Arc<Database>,
    family: String,
    regular: Face,
    bold: Face,
}

#[derive(Clone)]
struct Face {
    data: Arc<Vec<u8>>,
    index: u32,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts").field("family", &self.family).field("faces", &self.database.len()).finish()
    }
}

/// Reads the files of `family`'s faces into memory, in place of the files. Text is laid out run by run
/// and each run reads its face's data: a face backed by a file is opened and memory-mapped again every
/// time, which was over half of a PDF's time. Other families stay as files (they serve only the rare
/// glyph the family lacks); a file that cannot be read stays as it was.
fn hold_in_memory(database: &mut Database, family: &str) {
    let of_family = |face: &fontdb::FaceInfo| face.families.iter().any(|(name, _)| name == family);
    let mut paths: Vec<std::path::PathBuf> = database
        .faces()
        .filter(|face| of_family(face))
        .filter_map(|face| match &face.source {
            fontdb::Source::File(path) => Some(path.clone()),
            _ => None,
        })
        .collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let from_file: Vec<fontdb::ID> = database
            .faces()
            .filter(|face| matches!(&face.source, fontdb::Source::File(p) if *p == path))
            .map(|face| face.id)
            .collect();
        for id in from_file {
            database.remove_face(id);
        }
        database.load_font_data(bytes);
    }
}

impl Fonts {
    /// Loads the system's fonts (and any in `extra_dir`) and picks the family to draw in.
    ///
    /// # Errors
    /// [`Error::NoFont`] when no sans-serif face is installed.
    pub fn system(extra_dir: Option<&std::path::Path>) -> Result<Self, Error> {
        let mut database = Database::new();
        database.load_system_fonts();
        if let Some(dir) = extra_dir {
            database.load_fonts_dir(dir);
        }
        Self::from_database(database)
    }

    /// Picks the family from an already loaded database.
    ///
    /// # Errors
    /// [`Error::NoFont`] when the database holds no usable face.
    pub fn from_database(mut database: Database) -> Result<Self, Error> {
        let find = |database: &Database, weight: Weight| {
            let mut families: Vec<Family<'_>> = PREFERRED.iter().map(|name| Family::Name(name)).collect();
            families.push(Family::SansSerif);
            database.query(&Query { families: &families, weight, ..Query::default() })
        };
        // fontdb's default generic families name fonts that may be absent; fall back to any face.
        let regular_id = find(&database, Weight::NORMAL)
            .or_else(|| database.faces().next().map(|face| face.id))
            .ok_or(Error::NoFont)?;
        let family = database
            .face(regular_id)
            .and_then(|f| f.families.first())
            .map(|(name, _)| name.clone())
            .ok_or(Error::NoFont)?;
        hold_in_memory(&mut database, &family);
        let regular_id = database
            .query(&Query { families: &[Family::Name(&family)], weight: Weight::NORMAL, ..Query::default() })
            .ok_or(Error::NoFont)?;
        database.set_sans_serif_family(family.clone());
        let bold_id = database
            .query(&Query { families: &[Family::Name(&family)], weight: Weight::BOLD, ..Query::default() })
            .unwrap_or(regular_id);
        let face = |id: fontdb::ID| {
            database
                .with_face_data(id, |data, index| Face { data: Arc::new(data.to_vec()), index })
                .filter(|face| ttf_parser::Face::parse(&face.data, face.index).is_ok())
                .ok_or(Error::NoFont)
        };
        let (regular, bold) = (face(regular_id)?, face(bold_id)?);
        Ok(Self { database: Arc::new(database), family, regular, bold })
    }

    /// The family name to put in `font-family`.
    pub fn family(&self) -> &str {
        &self.family
    }

    pub(crate) fn database(&self) -> Arc<Database> {
        Arc::clone(&self.database)
    }

    /// The advance width of `text` set at `size` points, from the face's horizontal metrics.
    pub fn width(&self, text: &str, size: f64, bold: bool) -> f64 {
        let face = if bold { &self.bold } else { &self.regular };
        let Ok(parsed) = ttf_parser::Face::parse(&face.data, face.index) else { return 0.0 };
        let per_em = f64::from(parsed.units_per_em());
        let fallback = parsed.glyph_index('n').and_then(|g| parsed.glyph_hor_advance(g)).unwrap_or(0);
        let units: u64 = text
            .chars()
            .map(|c| u64::from(parsed.glyph_index(c).and_then(|g| parsed.glyph_hor_advance(g)).unwrap_or(fallback)))
            .sum();
        units as f64 / per_em * size
    }
}
