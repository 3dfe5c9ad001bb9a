//! The page templates (minijinja, compiled into the binary from `templates/`) and the static
//! assets. `--templates DIR` replaces any of them by a file of the same name in DIR.

use std::path::Path;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use sha2::{Digest as _, Sha256};

use super::Error;

/// Built-in templates: name and source.
const TEMPLATES: [(&str, &str); 10] = [
    ("base.html", include_str!("../../templates/base.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("run.html", include_str!("../../templates/run.html")),
    ("compare.html", include_str!("../../templates/compare.html")),
    ("compare-body.html", include_str!("../../templates/compare-body.html")),
    ("compare-app.html", include_str!("../../templates/compare-app.html")),
    ("legend.html", include_str!("../../templates/legend.html")),
    ("chart.html", include_str!("../../templates/chart.html")),
    ("notebook.html", include_str!("../../templates/notebook.html")),
    ("sweep.html", include_str!("../../templates/sweep.html")),
];

/// Built-in assets, copied into `assets/`.
const ASSETS: [(&str, &str); 2] = [
    ("assets/report.css", include_str!("../../templates/assets/report.css")),
    ("assets/report.js", super::script::REPORT_JS),
];

/// The loaded templates and assets.
pub struct Templates {
    env: Environment<'static>,
    assets: Vec<(&'static str, String)>,
    /// A hash of every template and asset, part of each page's key: edited templates rewrite
    /// every page.
    pub fingerprint: String,
}

impl Templates {
    /// Loads the built-in templates, each replaced by `dir/<name>` where that file exists.
    pub fn load(dir: Option<&Path>) -> Result<Self, Error> {
        if let Some(dir) = dir
            && !dir.is_dir()
        {
            return Err(Error::TemplateDir { dir: dir.to_owned(), detail: "not a directory".into() });
        }
        let read = |name: &str, builtin: &str| -> Result<String, Error> {
            match dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
                Some(path) => std::fs::read_to_string(&path).map_err(|e| Error::TemplateDir {
                    dir: dir.map(Path::to_owned).unwrap_or_default(),
                    detail: format!("cannot read {name}: {e}"),
                }),
                None => Ok(builtin.to_owned()),
            }
        };
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
        // minijinja's HTML escaping also turns `/` into `&#x2f;`: correct, but it bloats every
        // URL and metric key. Escaping `& < > " '` is all that text and quoted attributes need.
        env.set_formatter(|out, state, value| {
            if *state.auto_escape() == AutoEscape::Html
                && value.kind() == minijinja::value::ValueKind::String
                && !value.is_safe()
                && let Some(text) = value.as_str()
            {
                return out.write_str(&super::html::escape(text)).map_err(minijinja::Error::from);
            }
            minijinja::escape_formatter(out, state, value)
        });
        // Block tags on their own line leave no blank line behind: pages stay compact.
        let syntax = minijinja::syntax::SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build()?;
        env.set_syntax(syntax);
        let mut hasher = Sha256::new();
        for (name, builtin) in TEMPLATES {
            let source = read(name, builtin)?;
            hasher.update(name.as_bytes());
            hasher.update(source.as_bytes());
            env.add_template_owned(name, source)?;
        }
        // The notebook engine's stylesheet, for the notebook pages.
        let mut assets = vec![("assets/nbdiff.css", read("assets/nbdiff.css", crate::notebook::STYLESHEET)?)];
        for (name, builtin) in ASSETS {
            let mut source = read(name, builtin)?;
            if name.ends_with(".css") {
                source.push_str(&super::ansi::palette_css());
            }
            assets.push((name, source));
        }
        for (name, source) in &assets {
            hasher.update(name.as_bytes());
            hasher.update(source.as_bytes());
        }
        Ok(Self { env, assets, fingerprint: hex::encode(hasher.finalize()) })
    }

    /// Renders template `name` with `context`.
    pub fn render(&self, name: &str, context: impl serde::Serialize) -> Result<String, Error> {
        Ok(self.env.get_template(name)?.render(minijinja::value::Value::from(minijinja::value::Serde(context)))?)
    }

    pub fn assets(&self) -> &[(&'static str, String)] {
        &self.assets
    }
}
