//! `roster provider guide`: a provider's set-up guide, for people (each
//! step's values under it, labels aligned) or as the admin API's JSON.

use clap::Args;
use roster_app::App;
use roster_app::setup_guide::{GuideStep, SetupGuide};

use crate::output;

const OPERATOR: roster_app::Principal = roster_app::Principal::Operator;

/// `roster provider guide`.
#[derive(Debug, Args)]
pub struct GuideArgs {
    /// The site's slug.
    #[arg(long)]
    pub site: String,
    /// The provider's name.
    #[arg(long)]
    pub provider: String,
    /// The URL identity providers reach roster at (for example
    /// https://id.example.com), as `roster serve` is given it.
    #[arg(long, env = "ROSTER_PUBLIC_URL")]
    pub public_url: Option<String>,
}

pub async fn print(app: &App, args: &GuideArgs, json: bool) -> anyhow::Result<()> {
    let id = app.admin().find_provider(&OPERATOR, &args.site, &args.provider).await?.id;
    let guide = app.setup_guide(&OPERATOR, &args.site, &id).await?;
    if json {
        return output::one(&guide, true);
    }
    print!("{}", render(&guide));
    Ok(())
}

/// The guide as text: numbered sections, each step's text, its values
/// with the labels padded to one width, then its notes.
fn render(guide: &SetupGuide) -> String {
    let mut out = format!("{}\n\n{}\n", guide.title, guide.intro);
    for (number, section) in guide.sections.iter().enumerate() {
        out.push_str(&format!("\n{}. {}\n", number + 1, section.title));
        for step in &section.steps {
            render_step(&mut out, step);
        }
    }
    out
}

fn render_step(out: &mut String, step: &GuideStep) {
    out.push_str(&format!("\n  {}\n", step.text));
    let width = step.fields.iter().map(|field| field.label.chars().count()).max().unwrap_or(0);
    for field in &step.fields {
        out.push_str(&format!(
            "    {:<width$}  {}\n",
            format!("{}:", field.label),
            field.value,
            width = width + 1
        ));
    }
    for note in &step.notes {
        out.push_str(&format!("    Note: {note}\n"));
    }
}

#[cfg(test)]
mod tests {
    use roster_app::setup_guide::{GuideField, GuideSection};

    use super::*;

    #[test]
    fn values_line_up_under_their_step() {
        let guide = SetupGuide {
            kind: "okta",
            title: "Okta",
            intro: "Intro.",
            sections: vec![GuideSection {
                title: "In Okta",
                steps: vec![GuideStep {
                    text: "Enter:",
                    fields: vec![
                        GuideField { label: "ACS", value: "https://a.test/saml/consume".into() },
                        GuideField { label: "Entity ID", value: "https://a.test/m".into() },
                    ],
                    notes: vec!["Keep it."],
                }],
            }],
        };
        let expected = "Okta\n\nIntro.\n\n1. In Okta\n\n  Enter:\n    ACS:        \
                        https://a.test/saml/consume\n    Entity ID:  https://a.test/m\n    \
                        Note: Keep it.\n";
        assert_eq!(render(&guide), expected);
    }
}
