//! The colour schemes of `static/tapid.css`, checked: every pair of colours that carries text meets
//! WCAG AA in the light and in the dark scheme, and the scheme facts a brand colour is checked against
//! (`config::LIGHT`, `config::DARK`) are the stylesheet's own.

mod tests {
    use std::collections::HashMap;

    use crate::config::{AA_CONTRAST, Color, DARK, LIGHT, Scheme};

    const CSS: &str = include_str!("../../static/tapid.css");

    /// The `--name: #hex` declarations of the first `:root { … }` after `marker`.
    fn palette(marker: &str) -> HashMap<String, Color> {
        let from = CSS.find(marker).expect("marker in tapid.css");
        let block = &CSS[from..];
        let open = block.find(":root {").expect(":root block") + ":root {".len();
        let close = open + block[open..].find('}').expect("end of :root block");
        block[open..close]
            .split(';')
            .filter_map(|decl| {
                let (name, value) = decl.split_once(':')?;
                let name = name.trim().strip_prefix("--")?;
                Some((name.to_string(), Color::parse(value.trim()).ok()?))
            })
            .collect()
    }

    fn light() -> HashMap<String, Color> {
        palette("/* Every colour is a custom property")
    }

    /// The dark scheme: the light one with the dark declarations over it.
    fn dark() -> HashMap<String, Color> {
        let mut colours = light();
        colours.extend(palette("@media (prefers-color-scheme: dark)"));
        colours
    }

    /// Text colour on background colour: every pair the stylesheet uses for text.
    const TEXT_PAIRS: &[(&str, &str)] = &[
        ("fg", "card"),
        ("fg", "bg"),
        ("muted", "card"),
        ("muted", "bg"),
        ("accent", "card"),
        ("accent", "bg"),
        ("accent-fg", "accent"),
        ("accent-fg", "danger"),
        ("danger", "card"),
        ("danger", "danger-bg"),
        ("ok", "card"),
        ("ok", "ok-bg"),
        ("fg", "warn-bg"),
    ];

    fn assert_aa(scheme: &str, colours: &HashMap<String, Color>) {
        for (text, background) in TEXT_PAIRS {
            let ratio = colours[*text].contrast(colours[*background]);
            assert!(
                ratio >= AA_CONTRAST,
                "{scheme}: --{text} on --{background} is {ratio:.2}:1"
            );
        }
    }

    #[test]
    fn every_text_colour_meets_wcag_aa_in_the_light_scheme() {
        assert_aa("light", &light());
    }

    #[test]
    fn every_text_colour_meets_wcag_aa_in_the_dark_scheme() {
        let colours = dark();
        assert_ne!(
            colours["bg"],
            light()["bg"],
            "the dark scheme sets its own colours"
        );
        assert_aa("dark", &colours);
    }

    fn assert_scheme_is_the_stylesheets(scheme: &Scheme, colours: &HashMap<String, Color>) {
        assert_eq!(scheme.accent_fg, colours["accent-fg"], "{}", scheme.name);
        assert_eq!(
            scheme.surfaces,
            [colours["card"], colours["bg"]],
            "{}",
            scheme.name
        );
        assert!(scheme.check(colours["accent"]).is_ok(), "{}", scheme.name);
    }

    #[test]
    fn a_brand_colour_is_checked_against_the_colours_the_stylesheet_really_uses() {
        assert_scheme_is_the_stylesheets(&LIGHT, &light());
        assert_scheme_is_the_stylesheets(&DARK, &dark());
    }
}
