//! An identity provider's SAML metadata (fetched from its URL or uploaded),
//! read for what the SP needs: the entity id, every signing certificate
//! (all are trusted, so a rotation announced in metadata needs no action),
//! the single sign-on and logout endpoints, and how long the document may
//! be cached. The same gate as responses applies: size cap, no DOCTYPE.

use base64::Engine;
use bergshamra::keys::loader;
use jiff::{SignedDuration, Span, SpanRelativeTo, Timestamp};
use uppsala::{Document, NodeId};

use crate::SamlError;
use crate::input::{self, truncate};
use crate::xml::{self, DSIG, METADATA};

const PROTOCOL_SUPPORT: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

/// What the SP takes from an IdP's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    pub entity_id: String,
    /// Every certificate the IdP signs with (DER), in document order.
    pub signing_certificates: Vec<Vec<u8>>,
    pub sso_redirect_url: Option<String>,
    pub sso_post_url: Option<String>,
    pub slo_redirect_url: Option<String>,
    /// Whether the IdP asks for signed AuthnRequests.
    pub wants_signed_requests: bool,
    /// The document's `validUntil`, if it has one.
    pub valid_until: Option<Timestamp>,
    /// The document's `cacheDuration`, if it has one.
    pub cache_duration: Option<SignedDuration>,
}

/// Reads IdP metadata: an `EntityDescriptor`, or an `EntitiesDescriptor`
/// holding exactly one identity provider.
pub fn parse_idp_metadata(text: &str) -> Result<IdpMetadata, SamlError> {
    if text.len() > input::MAX_METADATA_BYTES {
        return Err(SamlError::TooLarge { limit: input::MAX_METADATA_BYTES });
    }
    let doc = input::parse(text)?;
    let root = doc.document_element().ok_or(SamlError::Missing("EntityDescriptor"))?;
    let entity = if xml::is(&doc, root, METADATA, "EntityDescriptor") {
        root
    } else if xml::is(&doc, root, METADATA, "EntitiesDescriptor") {
        let idps: Vec<NodeId> = xml::descendants(&doc, root, METADATA, "EntityDescriptor")
            .into_iter()
            .filter(|&entity| xml::child(&doc, entity, METADATA, "IDPSSODescriptor").is_some())
            .collect();
        match idps.as_slice() {
            [entity] => *entity,
            _ => {
                return Err(SamlError::Metadata(format!(
                    "the document describes {} identity providers; use the metadata of the one \
                     you mean",
                    idps.len()
                )));
            }
        }
    } else {
        return Err(SamlError::UnexpectedRoot {
            expected: "md:EntityDescriptor",
            found: xml::name_of(&doc, root),
        });
    };
    read_entity(&doc, root, entity)
}

fn read_entity(doc: &Document<'_>, root: NodeId, entity: NodeId) -> Result<IdpMetadata, SamlError> {
    let entity_id = xml::attr(doc, entity, "entityID")
        .filter(|id| !id.trim().is_empty())
        .ok_or(SamlError::Required("entityID"))?
        .to_owned();
    let idp = xml::children(doc, entity, METADATA, "IDPSSODescriptor")
        .into_iter()
        .find(|&node| {
            xml::attr(doc, node, "protocolSupportEnumeration").is_some_and(|protocols| {
                protocols.split_whitespace().any(|p| p == PROTOCOL_SUPPORT)
            })
        })
        .ok_or_else(|| SamlError::Metadata("no SAML 2.0 IDPSSODescriptor".into()))?;

    let mut signing_certificates = Vec::new();
    for descriptor in xml::children(doc, idp, METADATA, "KeyDescriptor") {
        // A key without `use` serves both signing and encryption.
        if xml::attr(doc, descriptor, "use").is_some_and(|usage| usage != "signing") {
            continue;
        }
        for node in xml::descendants(doc, descriptor, DSIG, "X509Certificate") {
            let text: String =
                xml::text(doc, node)?.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| SamlError::Metadata("a signing certificate is not base64".into()))?;
            loader::load_x509_cert_der(&der)
                .map_err(|err| SamlError::BadCertificate(truncate(&err.to_string())))?;
            if !signing_certificates.contains(&der) {
                signing_certificates.push(der);
            }
        }
    }
    if signing_certificates.is_empty() {
        return Err(SamlError::NoSigningCertificate);
    }

    let endpoint = |kind: &'static str, binding: &str| -> Result<Option<String>, SamlError> {
        xml::children(doc, idp, METADATA, kind)
            .into_iter()
            .find(|&node| xml::attr(doc, node, "Binding") == Some(binding))
            .and_then(|node| xml::attr(doc, node, "Location"))
            .map(http_url)
            .transpose()
    };
    let sso_redirect_url = endpoint("SingleSignOnService", REDIRECT)?;
    let sso_post_url = endpoint("SingleSignOnService", POST)?;
    if sso_redirect_url.is_none() && sso_post_url.is_none() {
        return Err(SamlError::Metadata(
            "no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding".into(),
        ));
    }
    let slo_redirect_url = endpoint("SingleLogoutService", REDIRECT)?;
    let wants_signed_requests = xml::attr(doc, idp, "WantAuthnRequestsSigned") == Some("true");

    // The entity's own caching attributes win over the enclosing
    // document's.
    let attribute =
        |name: &str| xml::attr(doc, entity, name).or_else(|| xml::attr(doc, root, name));
    let valid_until = attribute("validUntil")
        .map(|raw| {
            raw.parse::<Timestamp>()
                .map_err(|_| SamlError::BadTime { what: "validUntil", value: truncate(raw) })
        })
        .transpose()?;
    let cache_duration = attribute("cacheDuration").map(duration).transpose()?;
    Ok(IdpMetadata {
        entity_id,
        signing_certificates,
        sso_redirect_url,
        sso_post_url,
        slo_redirect_url,
        wants_signed_requests,
        valid_until,
        cache_duration,
    })
}

/// An endpoint must be http or https: the SP redirects browsers there.
fn http_url(raw: &str) -> Result<String, SamlError> {
    let lower = raw.to_ascii_lowercase();
    if (lower.starts_with("https://") || lower.starts_with("http://"))
        && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        Ok(raw.to_owned())
    } else {
        Err(SamlError::Metadata(format!("{} is not an http(s) URL", truncate(raw))))
    }
}

/// An xs:duration such as `PT6H` or `P1D` (days taken as 24 hours).
fn duration(raw: &str) -> Result<SignedDuration, SamlError> {
    let bad = || SamlError::BadTime { what: "cacheDuration", value: truncate(raw) };
    let span: Span = raw.parse().map_err(|_| bad())?;
    span.to_duration(SpanRelativeTo::days_are_24_hours()).map_err(|_| bad())
}
