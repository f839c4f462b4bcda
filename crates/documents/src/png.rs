//! SVG to PNG, for pasting charts into slides and documents that do not take SVG.

use resvg::{tiny_skia, usvg};

use crate::{Error, Fonts};

/// The largest scale offered: a 600-pixel chart at 4× is 2400 pixels wide, enough for print.
pub const MAX_SCALE: f32 = 4.0;

/// Rasterises `svg` at `scale` times its own size (clamped to 1–[`MAX_SCALE`]) on its own
/// background (charts paint a white one).
///
/// # Errors
/// [`Error::Svg`] when the SVG cannot be read; [`Error::Convert`] when it has no area or cannot be
/// encoded.
pub fn render(svg: &str, scale: f32, fonts: &Fonts) -> Result<Vec<u8>, Error> {
    let options =
        usvg::Options { fontdb: fonts.database(), font_family: fonts.family().to_owned(), ..Default::default() };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| Error::Svg(e.to_string()))?;
    let scale = if scale.is_finite() { scale.clamp(1.0, MAX_SCALE) } else { 1.0 };
    let size =
        tree.size().to_int_size().scale_by(scale).ok_or_else(|| Error::Convert("the drawing has no area".into()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| Error::Convert("the drawing has no area".into()))?;
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| Error::Convert(e.to_string()))
}
