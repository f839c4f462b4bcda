//! QR codes as inline SVG: the feedback poster's link, and the enrolment code an authenticator app reads.

/// The QR code for `text` as SVG markup, dark modules on white, at least `size` pixels, labelled for
/// screen readers with `label`.
pub(crate) fn svg(text: &str, size: u32, label: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(size, size)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // Drop the XML declaration; label the image for screen readers.
    let start = svg.find("<svg")?;
    let label = label.replace(['"', '<', '>', '&'], "");
    Some(svg[start..].replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{label}\" "), 1))
}
