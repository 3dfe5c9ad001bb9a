//! Whether a stream gets colours: `--color`, then git's `color.ui`, then the environment
//! (`NO_COLOR`, `CLICOLOR_FORCE`, `TERM=dumb`), then whether the stream is a terminal (or a pager).

/// `--color` and git's `color.ui`, as one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// What the environment says about colours, read once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColorEnv {
    /// `NO_COLOR` set and not empty (no-color.org).
    pub no_color: bool,
    /// `CLICOLOR_FORCE` set and not `0`: colours even when piped.
    pub force: bool,
    /// `TERM=dumb`: the terminal cannot show escapes (git's own rule).
    pub dumb: bool,
    /// `GIT_PAGER_IN_USE`: git runs us with stdout in its pager (`nbdiff --git-driver`), which
    /// shows colours as a terminal does.
    pub git_pager: bool,
}

impl ColorEnv {
    pub fn read() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        Self {
            no_color: var("NO_COLOR").is_some(),
            force: var("CLICOLOR_FORCE").is_some_and(|v| v != "0"),
            dumb: var("TERM").is_some_and(|v| v == "dumb"),
            git_pager: var("GIT_PAGER_IN_USE").is_some_and(|v| from_git(&v.to_string_lossy()) == Some(ColorWhen::Auto)),
        }
    }
}

/// git's `color.ui` as a choice: `always`, `never`/false, or `auto` (also `true`, as git reads
/// it since 1.8.4). Values git would reject read as unset.
pub fn from_git(value: &str) -> Option<ColorWhen> {
    match value.trim().to_ascii_lowercase().as_str() {
        "always" => Some(ColorWhen::Always),
        "never" | "false" | "no" | "off" | "0" => Some(ColorWhen::Never),
        "auto" | "true" | "yes" | "on" | "1" | "" => Some(ColorWhen::Auto),
        _ => None,
    }
}

/// Whether to colour a stream. The command line wins, then `color.ui`; under `auto`, `NO_COLOR`
/// turns colours off and `CLICOLOR_FORCE` on, else a terminal that is not `TERM=dumb` gets them.
/// `terminal` is true for a pager too, as in git: the pager shows escapes (`LESS=R`).
pub fn wanted(flag: Option<ColorWhen>, color_ui: Option<ColorWhen>, env: ColorEnv, terminal: bool) -> bool {
    match flag.or(color_ui).unwrap_or(ColorWhen::Auto) {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto if env.no_color => false,
        ColorWhen::Auto if env.force => true,
        ColorWhen::Auto => terminal && !env.dumb,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: ColorEnv = ColorEnv { no_color: false, force: false, dumb: false, git_pager: false };

    #[test]
    fn the_command_line_wins_over_config_and_environment() {
        let no_color = ColorEnv { no_color: true, ..PLAIN };
        assert!(wanted(Some(ColorWhen::Always), Some(ColorWhen::Never), no_color, false));
        assert!(!wanted(Some(ColorWhen::Never), Some(ColorWhen::Always), PLAIN, true));
        assert!(!wanted(Some(ColorWhen::Auto), Some(ColorWhen::Always), PLAIN, false));
    }

    #[test]
    fn color_ui_decides_without_a_flag() {
        assert!(wanted(None, Some(ColorWhen::Always), PLAIN, false));
        assert!(!wanted(None, Some(ColorWhen::Never), PLAIN, true));
        assert!(wanted(None, Some(ColorWhen::Auto), PLAIN, true));
    }

    #[test]
    fn auto_follows_the_terminal_and_the_environment() {
        assert!(wanted(None, None, PLAIN, true));
        assert!(!wanted(None, None, PLAIN, false));
        assert!(!wanted(None, None, ColorEnv { dumb: true, ..PLAIN }, true));
        assert!(!wanted(None, None, ColorEnv { no_color: true, ..PLAIN }, true));
        assert!(wanted(None, None, ColorEnv { force: true, ..PLAIN }, false));
        assert!(!wanted(None, None, ColorEnv { force: true, no_color: true, ..PLAIN }, false));
    }

    #[test]
    fn git_color_values_read_as_git_reads_them() {
        assert_eq!(from_git("always"), Some(ColorWhen::Always));
        assert_eq!(from_git("false"), Some(ColorWhen::Never));
        assert_eq!(from_git("never"), Some(ColorWhen::Never));
        assert_eq!(from_git("true"), Some(ColorWhen::Auto));
        assert_eq!(from_git("Auto"), Some(ColorWhen::Auto));
        assert_eq!(from_git("sometimes"), None);
    }
}
