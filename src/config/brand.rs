//! `brand.*`: how a deployment looks — its primary colour in the light and the dark scheme, and an
//! optional stylesheet of its own. Each is checked at start: a colour that would put button or link
//! text below WCAG AA contrast, or a stylesheet that cannot be read, stops tapid with a line naming the key.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// WCAG 2 AA for normal text.
pub const AA_CONTRAST: f64 = 4.5;

/// The largest stylesheet a deployment may add.
const MAX_STYLESHEET_BYTES: u64 = 256 * 1024;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrandSettings {
    /// Buttons and links in the light scheme (white text on it, it on white and the page background).
    pub primary_color: Option<LightAccent>,
    /// Buttons and links in the dark scheme (dark text on it, it on the dark card and background).
    pub primary_color_dark: Option<DarkAccent>,
    /// A CSS file served after tapid's own stylesheet, at start read once.
    pub stylesheet: Option<Stylesheet>,
}

/// An sRGB colour written `#rrggbb` (or `#rgb`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Color([u8; 3]);

impl Color {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self([r, g, b])
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        let bad = || format!("`{value}`: a colour as #rrggbb, e.g. #0b5cad");
        let hex = value.trim().strip_prefix('#').ok_or_else(bad)?;
        let digits: Vec<u8> = match hex.len() {
            3 => hex.chars().flat_map(|c| [c, c]).map(|c| c as u8).collect(),
            6 => hex.bytes().collect(),
            _ => return Err(bad()),
        };
        let mut rgb = [0u8; 3];
        for (i, pair) in digits.chunks(2).enumerate() {
            let pair = std::str::from_utf8(pair).map_err(|_| bad())?;
            rgb[i] = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
        }
        Ok(Self(rgb))
    }

    /// Relative luminance (WCAG 2).
    fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0;
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    /// The contrast ratio of two colours, from 1 to 21.
    pub fn contrast(self, other: Color) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a > b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

/// The colours each scheme of `static/tapid.css` puts text on or beside its accent.
pub struct Scheme {
    pub name: &'static str,
    /// Text on a button of the accent colour.
    pub accent_fg: Color,
    /// Where accent-coloured links and secondary buttons sit: the card and the page background.
    pub surfaces: [Color; 2],
}

pub const LIGHT: Scheme = Scheme {
    name: "light",
    accent_fg: Color::rgb(0xff, 0xff, 0xff),
    surfaces: [Color::rgb(0xff, 0xff, 0xff), Color::rgb(0xf6, 0xf8, 0xfa)],
};

pub const DARK: Scheme = Scheme {
    name: "dark",
    accent_fg: Color::rgb(0x0d, 0x11, 0x17),
    surfaces: [Color::rgb(0x16, 0x1b, 0x22), Color::rgb(0x0d, 0x11, 0x17)],
};

impl Scheme {
    /// `accent` if every text it carries or colours meets AA in this scheme, else why not.
    pub fn check(&self, accent: Color) -> Result<Color, String> {
        let worst = self
            .surfaces
            .iter()
            .chain(std::iter::once(&self.accent_fg))
            .map(|&c| accent.contrast(c))
            .fold(f64::INFINITY, f64::min);
        if worst < AA_CONTRAST {
            return Err(format!(
                "`{accent}` gives text a contrast of {worst:.1}:1 in the {} scheme (buttons and links); \
                 WCAG AA needs {AA_CONTRAST}:1",
                self.name
            ));
        }
        Ok(accent)
    }
}

/// The light scheme's accent, checked against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LightAccent(pub Color);

impl TryFrom<String> for LightAccent {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        LIGHT.check(Color::parse(&value)?).map(Self)
    }
}

impl From<LightAccent> for String {
    fn from(a: LightAccent) -> String {
        a.0.to_string()
    }
}

/// The dark scheme's accent, checked against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DarkAccent(pub Color);

impl TryFrom<String> for DarkAccent {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        DARK.check(Color::parse(&value)?).map(Self)
    }
}

impl From<DarkAccent> for String {
    fn from(a: DarkAccent) -> String {
        a.0.to_string()
    }
}

/// A deployment's stylesheet: its path, and what it held when tapid started.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "PathBuf", into = "PathBuf")]
pub struct Stylesheet {
    pub path: PathBuf,
    pub css: Arc<str>,
}

impl TryFrom<PathBuf> for Stylesheet {
    type Error = String;

    fn try_from(path: PathBuf) -> Result<Self, String> {
        let shown = path.display();
        let size = std::fs::metadata(&path)
            .map_err(|e| format!("cannot read {shown}: {e}"))?
            .len();
        if size > MAX_STYLESHEET_BYTES {
            return Err(format!(
                "{shown} is {size} bytes; a stylesheet may have at most {MAX_STYLESHEET_BYTES}"
            ));
        }
        let css = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {shown} as UTF-8 text: {e}"))?;
        Ok(Self {
            css: css.into(),
            path,
        })
    }
}

impl From<Stylesheet> for PathBuf {
    fn from(s: Stylesheet) -> PathBuf {
        s.path
    }
}

impl BrandSettings {
    /// `/static/brand.css`: the accents as custom properties over tapid's own, then the deployment's
    /// stylesheet. Empty when nothing is branded.
    pub fn stylesheet_text(&self) -> String {
        let mut css = String::new();
        if let Some(LightAccent(accent)) = self.primary_color {
            css.push_str(&format!(":root {{ --accent: {accent}; }}\n"));
        }
        if let Some(DarkAccent(accent)) = self.primary_color_dark {
            css.push_str(&format!(
                "@media (prefers-color-scheme: dark) {{ :root {{ --accent: {accent}; }} }}\n"
            ));
        }
        if let Some(sheet) = &self.stylesheet {
            css.push_str(&sheet.css);
        }
        css
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colour_is_hash_and_three_or_six_hex_digits() {
        assert_eq!(
            Color::parse("#0B5CAD").unwrap(),
            Color::rgb(0x0b, 0x5c, 0xad)
        );
        assert_eq!(Color::parse("#fff").unwrap(), Color::rgb(0xff, 0xff, 0xff));
        for bad in [
            "0b5cad", "#0b5ca", "#0b5cadd", "#ggg", "", "#", "blue", "#0b5cäd",
        ] {
            assert!(Color::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn contrast_follows_wcag_black_on_white_is_21_and_a_colour_on_itself_is_1() {
        let (black, white) = (Color::rgb(0, 0, 0), Color::rgb(255, 255, 255));
        assert!((black.contrast(white) - 21.0).abs() < 1e-9);
        assert!((white.contrast(white) - 1.0).abs() < 1e-9);
        // A known pair: #767676 on white is the lightest grey that passes AA (4.54:1).
        let grey = Color::rgb(0x76, 0x76, 0x76);
        assert!((grey.contrast(white) - 4.54).abs() < 0.01);
    }

    #[test]
    fn a_primary_colour_that_fails_aa_on_buttons_or_links_is_refused_per_scheme() {
        assert!(LightAccent::try_from("#0b5cad".to_string()).is_ok());
        let yellow = LightAccent::try_from("#ffcc00".to_string()).unwrap_err();
        assert!(
            yellow.contains("light scheme") && yellow.contains("4.5:1"),
            "{yellow}"
        );
        assert!(DarkAccent::try_from("#4493f8".to_string()).is_ok());
        let navy = DarkAccent::try_from("#0b5cad".to_string()).unwrap_err();
        assert!(navy.contains("dark scheme"), "{navy}");
    }

    #[test]
    fn the_branded_stylesheet_overrides_the_accent_in_each_scheme_then_adds_the_deployments_css() {
        let brand = BrandSettings {
            primary_color: Some(LightAccent(Color::rgb(0x12, 0x34, 0x56))),
            primary_color_dark: Some(DarkAccent(Color::rgb(0x8a, 0xb4, 0xf8))),
            stylesheet: Some(Stylesheet {
                path: "brand.css".into(),
                css: "header.site { border-bottom-width: 3px; }".into(),
            }),
        };
        let css = brand.stylesheet_text();
        assert!(css.starts_with(":root { --accent: #123456; }\n"), "{css}");
        assert!(
            css.contains("@media (prefers-color-scheme: dark) { :root { --accent: #8ab4f8; } }")
        );
        assert!(css.ends_with("header.site { border-bottom-width: 3px; }"));
        assert_eq!(BrandSettings::default().stylesheet_text(), "");
    }
}
